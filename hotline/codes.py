"""Enumerated codes used across the API, each with its Chinese label."""

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
LIMIT_UNITS = {
    "clock_minutes": "自然分钟",
    "working_minutes": "工作分钟",
    "working_days": "工作日",
}
