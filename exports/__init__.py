"""Excel workbooks of an event's feedback; openpyxl is used only inside this package."""

from .summary import build_summary

__all__ = ["build_summary"]
