"""Audit entries as a person reads them: field names as Chinese labels, ids as names, codes as labels."""
import json

from sqlalchemy import select

from hotline import labels
from hotline.directory.models import Category, Department
from hotline.extensions import db

FIELDS = {
    "username": "用户名", "full_name": "姓名", "roles": "角色", "department_id": "所属单位", "active": "状态",
    "must_change_password": "须修改密码", "code": "代码", "name": "名称", "kind": "类型", "area": "区域",
    "id": "编号", "parent_id": "上级分类", "level": "层级", "path": "分类路径", "category_id": "诉求分类",
    "lead_department_id": "主办单位", "assisting_department_ids": "协办单位", "urgency": "紧急程度",
    "ticket_type": "诉求类型", "sign_limit": "签收时限", "sign_unit": "签收时限单位", "complete_limit": "办结时限",
    "complete_unit": "办结时限单位", "contact_minutes": "联系市民时限（分钟）",
    "onsite_minutes": "到达现场时限（分钟）",
    "hours": "工作时间", "day": "日期", "year": "年份", "days": "天数", "title": "标题", "body": "正文",
    "tags": "标签", "valid_from": "生效日期", "valid_until": "失效日期", "source_department_id": "来源单位",
    "version": "版本", "source": "来源", "count": "数量", "metrics": "评估指标", "date": "日期",
    "n_samples": "样本数", "macro_f1": "宏平均 F1", "ece": "期望校准误差", "status": "状态",
    "url": "接收地址", "events": "订阅事件",
    "prefix": "密钥开头", "scope": "可读取的诉求", "public_read": "公开读取",
}
# Repeats of another field (a label beside its code) or bookkeeping the row's time already says.
HIDDEN = frozenset({"kind_label", "updated_at"})
MODEL_KINDS = {"category": "诉求分类模型", "department": "承办单位模型"}
DEPARTMENT_FIELDS = ("department_id", "lead_department_id", "source_department_id")
CODED = {"urgency": labels.URGENCIES, "ticket_type": labels.TICKET_TYPES, "sign_unit": labels.LIMIT_UNITS,
         "complete_unit": labels.LIMIT_UNITS}


class Names:
    """Department and category names, read once per page."""

    def __init__(self):
        self.departments = dict(db.session.execute(select(Department.id, Department.name)).tuples().all())
        self.categories = {c.id: c.path for c in db.session.scalars(select(Category))}


def changes(entry, names):
    """(label, before, after) for each field the entry records; an update shows only what changed."""
    before, after = entry.before or {}, entry.after or {}
    keys = [k for k in dict.fromkeys([*before, *after]) if k not in HIDDEN]
    if entry.before is not None and entry.after is not None:
        keys = [k for k in keys if before.get(k) != after.get(k)]
    return [(FIELDS.get(k, k), _value(entry.entity, k, before.get(k), names) if k in before else "",
             _value(entry.entity, k, after.get(k), names) if k in after else "") for k in keys]


def summary(entry, names):
    """One line for the export: 字段：前 → 后；…"""
    parts = []
    for field, before, after in changes(entry, names):
        parts.append(f"{field}：{before} → {after}" if before and after else f"{field}：{before or after}")
    return "；".join(parts)


def _value(entity, key, value, names):
    if value is None or value == "":
        return "（空）"
    if isinstance(value, bool):
        return ("启用" if value else "停用") if key == "active" else ("是" if value else "否")
    if key == "roles":
        return "、".join(labels.ROLES.get(r, r) for r in value)
    if key in DEPARTMENT_FIELDS:
        return names.departments.get(value, f"单位 {value}")
    if key == "assisting_department_ids":
        return "、".join(names.departments.get(i, f"单位 {i}") for i in value) or "（无）"
    if key in ("category_id", "parent_id"):
        return names.categories.get(value, f"分类 {value}")
    if key == "kind":
        kinds = {"calendar": labels.CALENDAR_KINDS, "model": MODEL_KINDS}.get(entity, labels.DEPARTMENT_KINDS)
        return kinds.get(value, value)
    if entity == "model" and key == "active":
        return str(value)  # the version that was active
    if key in CODED:
        return CODED[key].get(value, value)
    if key == "events":
        return "、".join(labels.WEBHOOK_EVENTS.get(e, e) for e in value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
