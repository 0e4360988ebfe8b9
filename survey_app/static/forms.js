/* Attendee forms, a little easier with script; every form works without it.
 *
 * 1. After a post, focus moves to the summary of what to correct (its links lead to the fields).
 * 2. An optional rating can be cleared once tapped ("Clear this rating").
 * 3. A text with a limit shows a live count, and says so when it is too long (nothing is cut).
 * 4. "My name may appear" can be ticked only with "You may quote my words".
 * 5. The grid: a parallel group shows the session chosen; "did not attend" folds a session.
 * 6. The thank-you page: "Copy link" copies the private link.
 * Texts come from the page (data attributes), so they are in the page's language.
 */
(function () {
  "use strict";

  var summary = document.querySelector("[data-focus-on-load]");
  if (summary) {
    summary.focus();
  }

  // 2. Clearing a rating.
  document.querySelectorAll("button[data-clear]").forEach(function (button) {
    var radios = document.querySelectorAll('input[type=radio][name="' + button.dataset.clear + '"]');
    function update() {
      button.hidden = !Array.prototype.some.call(radios, function (radio) {
        return radio.checked;
      });
    }
    radios.forEach(function (radio) {
      radio.addEventListener("change", update);
    });
    button.addEventListener("click", function () {
      radios.forEach(function (radio) {
        radio.checked = false;
      });
      update();
      radios[0].focus();
    });
    update();
  });

  // 3. Live counts of characters.
  document.querySelectorAll("[data-count-for]").forEach(function (count) {
    var field = document.getElementById(count.dataset.countFor);
    var limit = parseInt(field.dataset.limit, 10);
    var over = false;
    function update() {
      var length = Array.from(field.value).length;
      var isOver = length > limit;
      count.textContent = isOver
        ? count.dataset.over.replace("{n}", String(length - limit))
        : count.dataset.count.replace("{n}", String(length));
      count.classList.toggle("over", isOver);
      if (isOver !== over) {
        // Said once when the text goes over the limit, not at every key.
        count.setAttribute("aria-live", isOver ? "polite" : "off");
        over = isOver;
      }
    }
    count.hidden = false;
    count.setAttribute("aria-live", "off");
    field.setAttribute(
      "aria-describedby",
      ((field.getAttribute("aria-describedby") || "") + " " + count.id).trim()
    );
    field.addEventListener("input", update);
    update();
  });

  // 4. A name only with words that may be quoted.
  document.querySelectorAll("input[data-requires]").forEach(function (box) {
    var needed = document.getElementById(box.dataset.requires);
    function update() {
      box.disabled = !needed.checked;
      if (!needed.checked) {
        box.checked = false;
      }
    }
    needed.addEventListener("change", update);
    update();
  });

  // 5. The grid.
  function hasAnswer(row) {
    return Array.prototype.some.call(row.querySelectorAll("input[type=radio], textarea"), function (input) {
      return input.type === "radio" ? input.checked : input.value.trim() !== "";
    });
  }
  document.querySelectorAll("fieldset[data-parallel]").forEach(function (group) {
    var name = group.dataset.parallel;
    var rows = document.querySelectorAll('[data-group="' + name + '"]');
    function update() {
      var chosen = group.querySelector("input:checked");
      rows.forEach(function (row) {
        row.hidden = Boolean(chosen) && row.dataset.code !== chosen.value && !hasAnswer(row);
      });
    }
    group.addEventListener("change", update);
    update();
  });
  document.querySelectorAll(".grid-row .check input[type=checkbox]").forEach(function (box) {
    var answers = box.closest(".grid-row").querySelector(".grid-answers");
    function update() {
      if (box.checked) {
        answers.querySelectorAll("input[type=radio]").forEach(function (radio) {
          radio.checked = false;
        });
      }
      answers.hidden = box.checked && !hasAnswer(answers);
    }
    box.addEventListener("change", update);
    update();
  });

  // 6. Copying the private link.
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var link = document.getElementById(button.dataset.copy);
    if (!navigator.clipboard) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(link.href).then(function () {
        button.textContent = button.dataset.copied;
      });
    });
  });
})();
