"""Danger phrases that make a ticket an emergency, with the line (110/119/120/gas) to transfer it to."""

import re
from dataclasses import dataclass

# Rows are in order of precedence: when several match, the first matching row names the line,
# so a gas leak that has caught fire goes to the fire brigade, not the gas company.
EMERGENCY_PHRASES = (
    ("119", ("火灾", "着火", "起火", "失火", "冒烟起火", "爆炸", "被困电梯", "困在电梯", "电梯困人",
             "关在电梯", "坍塌", "塌了", "倒塌", "塌方", "塌陷")),
    ("120", ("煤气中毒", "一氧化碳中毒", "触电", "溺水")),
    ("110", ("轻生", "跳楼", "自杀", "割腕", "电线掉落", "电线断落", "电线掉下", "高压线掉落", "持刀")),
    ("gas", ("燃气泄漏", "煤气泄漏", "天然气泄漏", "燃气泄露", "煤气泄露", "天然气泄露", "漏气",
             "闻到煤气味", "闻到燃气味", "煤气味", "燃气味")),
)
# What a person reads for each transfer_hint code.
TRANSFER_LINES = {"110": "公安110", "119": "消防119", "120": "急救120", "gas": "燃气公司抢修电话"}

_LINE_OF = {phrase: line for line, phrases in EMERGENCY_PHRASES for phrase in phrases}
_PHRASE = re.compile("|".join(sorted(map(re.escape, _LINE_OF), key=len, reverse=True)))
_CLAUSE = r"[^，。！？；,.!?;\s]"
# "没有着火", "未发生火灾", "防溺水": the danger is denied or only being prevented. The markers are
# few and near, because dismissing a real emergency costs more than a false alarm.
_DENIED = re.compile(rf"((没有|没|未|不是|并非|不会|无人|防止|预防|谨防|避免|以防|慢性){_CLAUSE}{{0,2}}|防)$")
# "随时可能倒塌", "一旦发生火灾", "存在火灾隐患": a hazard worth hurrying, not an emergency under way.
_HAZARD_BEFORE = re.compile(rf"(可能|随时|担心|害怕|容易|险些|差点|如果|一旦|万一|哪天|以免|难道){_CLAUSE}{{0,4}}$")
_HAZARD_AFTER = re.compile(rf"^{_CLAUSE}{{0,2}}(隐患|风险|危险|的可能)")


@dataclass(frozen=True)
class Urgency:
    level: str  # "normal", "urgent" (a hazard) or "emergency"
    phrases: tuple = ()
    transfer_hint: str | None = None  # a TRANSFER_LINES key, for emergencies only


def detect(text):
    """Return the urgency of a ticket's text from the danger phrases it mentions."""
    emergencies, hazards = [], []
    for match in _PHRASE.finditer(text):
        before, after = text[max(0, match.start() - 8):match.start()], text[match.end():match.end() + 8]
        if _DENIED.search(before):
            continue
        hazard = _HAZARD_BEFORE.search(before) or _HAZARD_AFTER.search(after)
        (hazards if hazard else emergencies).append(match.group())
    if emergencies:
        lines = {_LINE_OF[phrase] for phrase in emergencies}
        hint = next(line for line, _ in EMERGENCY_PHRASES if line in lines)
        return Urgency("emergency", tuple(dict.fromkeys(emergencies)), hint)
    if hazards:
        return Urgency("urgent", tuple(dict.fromkeys(hazards)))
    return Urgency("normal")
