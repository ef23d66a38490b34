"""Every code the product uses (English, in the API and the database) with the Chinese label a
person reads: the one mapping for the API's label fields, the web pages, exports and messages."""

CHANNELS = {
    "phone": "电话",
    "web": "网站",
    "wechat": "微信",
    "app": "APP",
    "email": "邮件",
    "provincial": "省工单",
    "enterprise": "政企通",
}
TICKET_TYPES = {
    "consult": "咨询",
    "help": "求助",
    "complaint": "投诉",
    "report": "举报",
    "suggestion": "建议",
    "praise": "表扬",
}
URGENCIES = {"normal": "一般", "urgent": "紧急", "emergency": "特急"}
OUTCOMES = {"resolved": "已解决", "partially_resolved": "部分解决", "explained": "已解释说明"}
SATISFACTIONS = {
    "satisfied": "满意",
    "basically_satisfied": "基本满意",
    "unsatisfied": "不满意",
    "unreachable": "未联系上",
}
LATENESS = {
    "on_time": "正常",
    "warning": "预警",
    "overdue": "超期",
    "severely_overdue": "严重超期",
}
DEADLINE_KINDS = {
    "sign": "签收",
    "contact": "联系市民",
    "onsite": "到达现场",
    "complete": "办结",
}
NOTIFICATION_KINDS = {
    "warning": "时限预警",
    "overdue": "超期",
    "severely_overdue": "严重超期",
    "revisit_overdue": "回访超期",
    "dispatched": "新派单",
    "redo": "重办",
    "return_requested": "退单申请",
    "extension_requested": "延期申请",
    "reply_review": "待审核回复",
    "assist_opinion": "协办意见",
}
RECORD_STATUSES = {"open": "待说明", "explained": "已说明", "accepted": "说明已采纳", "confirmed": "确认责任",
                   "withdrawn": "已撤销"}
ASSIGNMENT_KINDS = {"dispatch": "派单", "redo": "重办"}
STATES = {
    "received": "已受理",
    "answered": "直接办结",
    "dispatched": "待签收",
    "accepted": "办理中",
    "return_requested": "退单待审",
    "replied": "待审核",
    "pending_revisit": "待回访",
    "closed": "已办结",
    "merged": "已并单",
    "invalid": "无效",
}

ACTIONS = {
    "create": "受理",
    "answer": "直接答复",
    "dispatch": "派单",
    "sign": "签收",
    "request_return": "申请退单",
    "approve_return": "同意退单",
    "reject_return": "驳回退单",
    "request_extension": "申请延期",
    "approve_extension": "同意延期",
    "reject_extension": "驳回延期",
    "record_contact": "联系市民",
    "record_onsite": "到达现场",
    "reply": "办结回复",
    "approve_reply": "审核通过",
    "reject_reply": "退回重办",
    "revisit": "回访",
    "merge": "并单",
    "invalidate": "无效工单",
    "urge": "催办",
    "supervise": "督办",
    "assist_reply": "协办意见",
    # A system event, not a workflow action: the calendar job moved the deadlines.
    "recompute": "时限重算",
    # Not a workflow action either: another call was merged into this ticket (并单 on the target).
    "merged_in": "并入来电",
    # Nor this: the ticket came in with historical data (flask tickets import), already handled.
    "import": "历史导入",
}

ROLES = {
    "operator": "话务员",
    "dispatcher": "派单审核员",
    "department": "承办单位",
    "revisitor": "回访员",
    "supervisor": "督办领导",
    "admin": "系统管理员",
}
AUDIT_ENTITIES = {
    "user": "用户",
    "department": "承办单位",
    "category": "诉求分类",
    "catalogue": "派单目录",
    "policy": "时限策略",
    "calendar": "工作日历",
    "knowledge": "知识库",
    "model": "分类模型",
    "personal_data": "个人信息",
    "ticket": "工单",
    "open311_key": "Open311 密钥",
    "open311": "Open311 设置",
    "webhook": "事件推送",
}
AUDIT_ACTIONS = {
    "create": "新增",
    "update": "修改",
    "delete": "删除",
    "disable": "停用",
    "enable": "启用",
    "reset_password": "重置密码",
    "change_password": "修改密码",
    "activate": "启用模型",
    "rollback": "回滚模型",
    "retire": "停用",
    "import": "导入",
    "train": "训练模型",
    "purge": "到期删除",
    "reveal": "查看完整号码",
    "rotate_secret": "更换签名密钥",
    "revoke": "吊销",
}
# Webhook event kinds and the states of one delivery (hotline/webhooks/).
WEBHOOK_EVENTS = {
    "ticket.created": "工单受理",
    "ticket.dispatched": "工单派单",
    "ticket.replied": "承办单位答复",
    "ticket.closed": "工单办结",
    "ticket.overdue": "工单超期",
}
WEBHOOK_STATUSES = {"pending": "待发送", "delivered": "已送达", "failed": "失败待重试", "given_up": "已放弃"}
DEPARTMENT_KINDS = {"municipal": "市直部门", "utility": "公共服务企业", "district": "区县政府"}
LIMIT_UNITS = {"clock_minutes": "自然分钟", "working_minutes": "工作分钟", "working_days": "工作日"}
CALENDAR_KINDS = {"holiday": "法定节假日", "workday": "调休上班", "default": "恢复默认"}
