"""What text the product accepts from people (issue 13, finding 2), as pure checks.

- No control characters except tab, line feed and carriage return in multi-line text: they
  corrupt exports and no person types them.
- No bidirectional controls anywhere: "张三\u202e" can make a name or address read backwards.
- Enough visible characters: text of spaces and zero-width characters only says nothing.
- One-line fields (names, subjects, addresses) have every run of white space made one space,
  so that a pasted address with a line break stays one line.
"""
import re

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
BIDI = re.compile(r"[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
INVISIBLE = re.compile(r"[\s\u00ad\u180e\u200b-\u200d\u2060\ufeff]")
WHITE_RUN = re.compile(r"\s+")


def visible_length(text):
    return len(INVISIBLE.sub("", text))


def checked(text, min_visible=1, one_line=False):
    """The text as stored, or ValueError saying in Chinese what is wrong with it."""
    if CONTROL.search(text):
        raise ValueError("含有不可见的控制字符，请删除后重试")
    if BIDI.search(text):
        raise ValueError("含有改变文字方向的控制字符，请删除后重试")
    if one_line:
        text = WHITE_RUN.sub(" ", text).strip()
    if visible_length(text) < min_visible:
        raise ValueError(f"至少需要 {min_visible} 个可见字符")
    return text


# What openpyxl refuses to write (its ILLEGAL_CHARACTERS_RE): stored before these checks existed,
# or arriving by import, such text must still export.
_SPREADSHEET_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
SPREADSHEET_CELL_LIMIT = 32_000  # Excel holds 32,767 characters in a cell


def for_spreadsheet(value):
    """A value a spreadsheet cell holds safely: text without the characters that corrupt the file
    and within a cell's length; other values unchanged. Formulas are the writer's to disarm."""
    if not isinstance(value, str):
        return value
    return _SPREADSHEET_ILLEGAL.sub("", value)[:SPREADSHEET_CELL_LIMIT]


# What makes a spreadsheet opening a CSV file read a cell as a formula (OWASP "CSV Injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def for_csv(value):
    """A value of a CSV cell that a spreadsheet takes as text: text it would run as a formula gets a
    leading apostrophe (OWASP's advice); other values unchanged. A CSV cell has no type to say
    "text", as an .xlsx cell has (tickets/export.py as_text)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
