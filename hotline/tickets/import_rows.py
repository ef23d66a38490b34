"""Rows of a historical ticket file (.csv or .xlsx) read, mapped to fields and validated one by one.

Each column is found by its Chinese header, one of its aliases or its English field name
(`--map 原列名=字段` names any other); every row is checked with the intake rules
(schemas.TicketCreate, hotline/text.py) and the rules history adds (times in order, the
department and category known, a terminal state with what it needs).
"""
import csv
import hashlib
import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

from openpyxl import load_workbook
from pydantic import ValidationError

from hotline import labels, text
from hotline.tickets import schemas
from hotline.tickets.workflow import State

# field: (the Chinese header, other headers meaning the same). The English field name is a header too.
FIELDS = {
    "number": ("工单编号", ("原工单编号", "原编号", "编号")),
    "created_at": ("受理时间", ("创建时间", "来电时间", "登记时间")),
    "channel": ("渠道", ("受理渠道", "来源渠道", "来源")),
    "caller_name": ("来电人", ("来电人姓名", "姓名", "联系人")),
    "caller_phone": ("来电号码", ("联系电话", "电话", "手机号码")),
    "caller_id_number": ("身份证号", ("证件号码",)),
    "is_enterprise": ("涉企", ("是否涉企",)),
    "subject": ("标题", ("诉求标题",)),
    "content": ("诉求内容", ("内容", "来电内容")),
    "address": ("地址", ("诉求地址", "事发地址")),
    "area": ("区域", ("所属区域", "区县", "区/街道")),
    "type": ("类型", ("诉求类型", "工单类型")),
    "urgency": ("紧急程度", ()),
    "category": ("分类", ("诉求分类", "分类编码", "category_id")),
    "department": ("承办单位", ("主办单位", "办理单位", "承办单位编码", "department_id")),
    "state": ("状态", ("工单状态",)),
    "outcome": ("办理结果", ()),
    "result": ("答复内容", ("办理情况", "回复内容", "答复意见", "answer")),
    "resolved": ("是否解决", ()),
    "satisfaction": ("满意度", ("回访结果",)),
    "invalid_reason": ("无效原因", ()),
    "dispatched_at": ("派单时间", ()),
    "signed_at": ("签收时间", ()),
    "replied_at": ("答复时间", ("回复时间",)),
    "closed_at": ("办结时间", ("结案时间",)),
}
REQUIRED = ("created_at", "content", "type")
HEADERS = {name: field for field, (label, aliases) in FIELDS.items() for name in (field, label, *aliases)}
# History arrives finished: an open ticket belongs in intake, where its time limits start.
IMPORTABLE_STATES = (State.CLOSED, State.ANSWERED, State.INVALID)
_TRUE, _FALSE = {"是", "true", "1", "yes", "y", "已解决", "解决"}, {"否", "false", "0", "no", "n", "未解决"}
_TIME = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"
                   r"(?:[ T]+(\d{1,2})[:时](\d{1,2})(?:[:分](\d{1,2})(?:\.\d+)?秒?)?)?"
                   r"\s*(Z|[+-]\d{2}:?\d{2})?")
MAX_REF = 64  # tickets.source_ref


class FileError(ValueError):
    """The file as a whole cannot be imported (unreadable, no header, a required column missing)."""


@dataclass(frozen=True)
class Columns:
    """Which column of the file holds which field, and the headers no field uses."""

    index: dict
    ignored: tuple


def read_table(path):
    """(header, iterator of (line number, cells)) of the first sheet of an .xlsx or of a .csv
    (UTF-8, with or without BOM, or GB18030 as Excel writes it in China)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _xlsx(path)
    if suffix == ".csv":
        return _csv(path)
    raise FileError(f"只能导入 .xlsx 或 .csv 文件：{path.name}")


def _csv(path):
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            content = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileError("无法识别文件编码，请另存为 UTF-8 编码的 CSV")
    rows = csv.reader(io.StringIO(content, newline=""))
    header = next(rows, None)
    if header is None:
        raise FileError("文件是空的")
    return header, ((line, cells) for line, cells in enumerate(rows, 2) if any(c.strip() for c in cells))


def _xlsx(path):
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is not a workbook
        raise FileError(f"无法读取 Excel 文件：{error}") from None
    rows = book.worksheets[0].iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        raise FileError("工作表是空的")
    return [_cell(c) or "" for c in header], (
        (line, [_cell(c) for c in cells]) for line, cells in enumerate(rows, 2)
        if any(c is not None and str(c).strip() for c in cells))


def _cell(value):
    """A spreadsheet cell as the text or time it holds: 13812345678.0 is "13812345678"."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value


def columns(header, mapping=None):
    """Columns of the header; `mapping` {header: field or its Chinese header} adds names."""
    names = dict(HEADERS)
    for source, target in (mapping or {}).items():
        if target not in HEADERS:
            raise FileError(f"--map {source}={target}：没有名为“{target}”的字段")
        names[source] = HEADERS[target]
    index, ignored = {}, []
    for position, title in enumerate(header):
        title = str(title).strip()
        field = names.get(title)
        if field is None:
            if title:
                ignored.append(title)
        elif field in index:
            raise FileError(f"“{title}”与另一列都表示{FIELDS[field][0]}，请只保留一列")
        else:
            index[field] = position
    missing = [FIELDS[f][0] for f in REQUIRED if f not in index]
    if missing:
        raise FileError(f"缺少必需的列：{'、'.join(missing)}（可用 --map 原列名=字段 指定）")
    return Columns(index, tuple(ignored))


def values(cells, cols):
    """{field: stripped text, time or None} of one row."""
    found = {}
    for field, position in cols.index.items():
        value = cells[position] if position < len(cells) else None
        if isinstance(value, str):
            value = value.strip() or None
        found[field] = value
    return found


def source_ref(row):
    """The original number, or a hash of the row's values when it has none: the same row of
    the same file gives the same reference, so importing it again is seen."""
    if row.get("number") is not None:
        return str(row["number"])
    canonical = "\x1f".join(f"{k}={_plain(row[k])}" for k in sorted(row) if row[k] is not None)
    return "row:" + hashlib.sha256(canonical.encode()).hexdigest()[:40]


def _plain(value):
    return value.isoformat() if isinstance(value, (date, datetime)) else str(value)


class RowError(ValueError):
    def __init__(self, reasons):
        super().__init__("；".join(reasons))
        self.reasons = reasons


class Validator:
    """Checks rows against the directory as loaded once: {code and name: id} of departments and
    categories (category paths too), the time zone of naive times, and `now`."""

    def __init__(self, departments, categories, tz, now):
        self.departments, self.categories, self.tz, self.now = departments, categories, tz, now

    def check(self, row):
        """The ticket fields of a valid row, or RowError listing every reason it is not."""
        reasons, out = [], {}
        out.update(self._intake(row, reasons))
        for field in ("created_at", "dispatched_at", "signed_at", "replied_at", "closed_at"):
            out[field] = self._time(row, field, reasons)
        out["department_id"] = self._lookup(row, "department", self.departments, reasons)
        out["category_id"] = self._lookup(row, "category", self.categories, reasons)
        for field, choices in (("outcome", labels.OUTCOMES), ("satisfaction", labels.SATISFACTIONS)):
            out[field] = _choice(row, field, choices, reasons)
        out["resolved"] = _flag(row, "resolved", reasons)
        out["source_ref"] = self._reference(row, reasons)
        self._history(row, out, reasons)
        if reasons:
            raise RowError(reasons)
        return out

    def _intake(self, row, reasons):
        data = {name: _text_of(row.get(name)) for name in
                ("caller_name", "caller_phone", "caller_id_number", "subject", "content", "address", "area")}
        data = {name: value for name, value in data.items() if value is not None}
        data["channel"] = _choice(row, "channel", labels.CHANNELS, reasons) or "phone"
        data["type"] = _choice(row, "type", labels.TICKET_TYPES, reasons)
        data["urgency"] = _choice(row, "urgency", labels.URGENCIES, reasons) or "normal"
        data["is_enterprise"] = bool(_flag(row, "is_enterprise", reasons))
        if data["type"] is None:
            if row.get("type") is None:
                reasons.append(f"{FIELDS['type'][0]}：必填")
            data["type"] = "consult"  # a stand-in, so that the other fields are checked all the same
        try:
            params = schemas.TicketCreate.model_validate(data)
        except ValidationError as error:
            reasons.extend(f"{FIELDS[str(e['loc'][0])][0]}：{_reason(e)}" for e in error.errors())
            return {}
        return params.model_dump(exclude={"urgency_reason", "category_id"})

    def _time(self, row, field, reasons):
        value = row.get(field)
        if value is None:
            if field == "created_at":
                reasons.append(f"{FIELDS[field][0]}：必填")
            return None
        try:
            moment = parse_time(value, self.tz)
        except ValueError as error:
            reasons.append(f"{FIELDS[field][0]}：{error}")
            return None
        if moment > self.now:
            reasons.append(f"{FIELDS[field][0]}：{_shown(value)} 晚于当前时间")
            return None
        return moment

    def _lookup(self, row, field, known, reasons):
        value = row.get(field)
        if value is None:
            return None
        key = re.sub(r"\s*/\s*", " / ", str(value))
        found = known.get(key)
        if found is None:
            reasons.append(f"{FIELDS[field][0]}：没有编码或名称为“{value}”的{FIELDS[field][0]}")
        elif found == AMBIGUOUS:
            reasons.append(f"{FIELDS[field][0]}：名称“{value}”对应多个{FIELDS[field][0]}，请填写编码或完整路径")
            return None
        return found

    def _reference(self, row, reasons):
        number = row.get("number")
        if number is None:
            return source_ref(row)
        try:
            number = text.checked(str(number), one_line=True)
        except ValueError as error:
            reasons.append(f"{FIELDS['number'][0]}：{error}")
            return None
        if len(number) > MAX_REF:
            reasons.append(f"{FIELDS['number'][0]}：不能超过 {MAX_REF} 个字符")
            return None
        return number

    def _history(self, row, out, reasons):
        """What the final state needs, and the times in the order the workflow makes them."""
        given = row.get("state") is not None
        state = _choice(row, "state", labels.STATES, reasons)
        if not given and (row.get("department") is None or out["department_id"] is not None):
            state = State.CLOSED if out["department_id"] is not None else State.ANSWERED
        if state is not None and state not in IMPORTABLE_STATES:
            names = "、".join(labels.STATES[s] for s in IMPORTABLE_STATES)
            reasons.append(f"{FIELDS['state'][0]}：只能导入{names}的历史工单，"
                           f"“{labels.STATES[state]}”的工单请通过受理录入")
            state = None
        order = [f for f in ("created_at", "dispatched_at", "signed_at", "replied_at", "closed_at")
                 if out[f] is not None]
        for earlier, later in zip(order, order[1:], strict=False):
            if out[later] < out[earlier]:
                reasons.append(f"{FIELDS[later][0]}早于{FIELDS[earlier][0]}")
        out["state"] = state
        out["result"] = out["answer"] = out["invalid_reason"] = None
        if state == State.CLOSED:
            self._closed(row, out, reasons)
        elif state is not None:
            self._finished_at_intake(row, out, reasons, state)

    def _closed(self, row, out, reasons):
        if row.get("department") is None:
            reasons.append(f"{FIELDS['department'][0]}：已办结的工单必须填写承办单位")
        if row.get("closed_at") is None:
            reasons.append(f"{FIELDS['closed_at'][0]}：已办结的工单必须填写办结时间")
        out["result"] = _long_text(row, "result", 5, reasons)
        out["dispatched_at"] = out["dispatched_at"] or out["created_at"]
        # A history without signing times: the department is taken to have signed at dispatch.
        out["signed_at"] = out["signed_at"] or out["dispatched_at"]
        out["replied_at"] = out["replied_at"] or out["closed_at"]
        if out["resolved"] is not None and out["satisfaction"] in (None, "unreachable"):
            reasons.append(f"{FIELDS['resolved'][0]}：只有联系上市民的回访才有是否解决")

    def _finished_at_intake(self, row, out, reasons, state):
        for field in ("department", "dispatched_at", "signed_at", "replied_at", "satisfaction", "outcome",
                      "resolved"):
            if row.get(field) is not None:
                reasons.append(f"{FIELDS[field][0]}：{labels.STATES[state]}的工单未派单，不应填写")
        if state == State.ANSWERED:
            out["answer"] = _long_text(row, "result", 2, reasons)
        else:
            out["invalid_reason"] = _long_text(row, "invalid_reason", 2, reasons, required=True)
        out["closed_at"] = out["closed_at"] or out["created_at"]


AMBIGUOUS = object()


def lookup_table(rows):
    """{code, name, path or id as text: id} from (id, code, name, path) rows; a name shared by
    several rows maps to AMBIGUOUS."""
    table, names = {}, {}
    for key, code, name, path in rows:
        table[str(key)] = key
        if code:
            table[code] = key
        if path:
            table[path] = key
        names.setdefault(name, set()).add(key)
    for name, keys in names.items():
        if name not in table:
            table[name] = keys.pop() if len(keys) == 1 else AMBIGUOUS
    return table


def parse_time(value, tz):
    """A time from a cell: a spreadsheet time, or text such as 2024-03-01 08:30, 2024/3/1 8:30:05,
    2024年3月1日 or 2024-03-01T08:30:00+08:00. Without an offset it is the centre's local time."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, datetime.min.time())
    else:
        match = _TIME.fullmatch(str(value).strip())
        if match is None:
            raise ValueError(f"无法识别的时间“{_shown(value)}”（应如 2024-03-01 08:30）")
        *parts, offset = match.groups()
        try:
            moment = datetime(*(int(p or 0) for p in parts))
        except ValueError:
            raise ValueError(f"不存在的时间“{_shown(value)}”") from None
        if offset:
            moment = moment.replace(tzinfo=_offset(offset))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    if moment.year < 2000:
        raise ValueError(f"时间“{_shown(value)}”早于 2000 年")
    return moment


def _offset(text_):
    if text_ == "Z":
        return UTC
    sign = -1 if text_[0] == "-" else 1
    digits = text_[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def _text_of(value):
    return None if value is None else str(value)


def _shown(value):
    return str(value)[:40]


def _choice(row, field, choices, reasons):
    """A code given as itself or as its Chinese label (不满意 or unsatisfied), or None."""
    value = row.get(field)
    if value is None:
        return None
    value = str(value)
    if value in choices:
        return value
    for code, label in choices.items():
        if value == label:
            return code
    reasons.append(f"{FIELDS[field][0]}：“{_shown(value)}”不是可选值（{'、'.join(choices.values())}）")
    return None


def _flag(row, field, reasons):
    value = row.get(field)
    if value is None:
        return None
    value = str(value).lower()
    if value in _TRUE or value in _FALSE:
        return value in _TRUE
    reasons.append(f"{FIELDS[field][0]}：“{_shown(value)}”应为“是”或“否”")
    return None


def _long_text(row, field, min_length, reasons, required=False):
    """Multi-line text with the rules of the workflow's reply and reason inputs (schemas._text)."""
    value = row.get(field)
    if value is None:
        if required:
            reasons.append(f"{FIELDS[field][0]}：必填")
        return None
    value = str(value).strip()
    try:
        value = text.checked(value, min_visible=min_length)
    except ValueError as error:
        reasons.append(f"{FIELDS[field][0]}：{error}")
        return None
    if len(value) > 5000:
        reasons.append(f"{FIELDS[field][0]}：不能超过 5000 个字符")
        return None
    return value


def _reason(error):
    """pydantic's complaint about one field, in Chinese."""
    ctx = error.get("ctx", {})
    kind = error["type"]
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])
    if kind == "missing":
        return "必填"
    if kind == "string_too_short":
        return f"至少需要 {ctx['min_length']} 个字符"
    if kind == "string_too_long":
        return f"不能超过 {ctx['max_length']} 个字符"
    if kind == "string_pattern_mismatch":
        return f"格式不正确：“{_shown(error['input'])}”"
    return error["msg"]
