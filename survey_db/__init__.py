"""The data layer: models, engine and sessions, SQLite writers' turns, migrations.

The bottom of the stack: it imports none of ``survey_app``, ``pipeline`` or ``exports``
(``tests/test_layers.py`` fails when it does).
"""
