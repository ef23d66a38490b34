"""Every report figure's code, Chinese name and definition, in the one place users read them.

The definitions follow SPEC §7; where it leaves a choice open the text below says which
one was made, so that a department disputing its rank can check the arithmetic.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Metric:
    name: str
    definition: str
    rate: bool = False


METRICS = {
    "received": Metric(
        "受理量",
        "统计期内受理（创建）的工单数，不含无效工单（骚扰、无声、测试）；已并单的重复诉求计入。"
        "按承办单位筛选时，只计最终派给该单位的工单。",
    ),
    "answered": Metric(
        "直接办结量", "统计期内受理、由话务员当场答复直接办结的工单数。",
    ),
    "direct_answer_rate": Metric(
        "直接办结率", "直接办结量 ÷ 受理量。", rate=True,
    ),
    "dispatched": Metric(
        "派单量",
        "统计期内开始的派单次数：首次派单、退单后改派、回访不满意重办各计一次（每次都重新起算时限）。",
    ),
    "sign_on_time_rate": Metric(
        "按时签收率（响应率）",
        "签收时限落在统计期内的派单中，在签收时限前（含时限当刻）签收的次数 ÷ "
        "（已签收次数 + 到期仍未签收次数）。时限未到且未签收的不计入；"
        "签收前已退单或并单、且当时未超时的不计入，超时后才结束的计为超时。",
        rate=True,
    ),
    "on_time_rate": Metric(
        "按时办结率",
        "办结时限落在统计期内的派单中，在（经批准延期后的）办结时限前答复的次数 ÷ "
        "（已答复次数 + 到期仍未答复次数），按时限所在的期间统计。"
        "延期获批后在新时限前答复算按时；超过新时限答复、或至今未答复而时限已过的算超期，"
        "计入时限所在期间。答复被退回重办的，以最后一次答复时间为准，原时限不变。"
        "每次派单（含重办）各有一个时限，各计一次。",
        rate=True,
    ),
    "overdue": Metric(
        "超期量",
        "按时办结率分母中超期的派单次数：超过办结时限才答复，或时限已过仍未答复。",
    ),
    "severely_overdue": Metric(
        "严重超期量",
        "超期量中已被升级为严重超期（办结时限后满 5 个工作日仍未办结，通报）的派单次数，"
        "以时限巡检生成的逾期追责记录的严重程度为准。",
    ),
    "accountability_rate": Metric(
        "逾期追责率",
        "超期量中已生成办结超期追责记录的派单次数 ÷ 超期量。",
        rate=True,
    ),
    "revisit_rate": Metric(
        "回访率",
        "统计期内答复、且答复已审核通过的派单中，已完成回访的次数 ÷ 审核通过的次数。"
        "三次未联系上而结案也算完成回访；未联系上但仍待再次回访的不算。",
        rate=True,
    ),
    "satisfaction_rate": Metric(
        "满意率",
        "统计期内完成的回访中，（满意 + 基本满意）÷（满意 + 基本满意 + 不满意）；"
        "未联系上的回访不计入分母。",
        rate=True,
    ),
    "resolution_rate": Metric(
        "解决率",
        "统计期内完成的成功回访（联系上市民的回访）中，市民表示问题已解决的次数 ÷ 成功回访次数。",
        rate=True,
    ),
    "redo_rate": Metric(
        "重办率",
        "统计期内完成的回访中，因不满意退回同一单位重办的次数 ÷ 完成的回访次数"
        "（每次派单的最终回访计一次，未联系上的中间尝试不单独计）。",
        rate=True,
    ),
    "return_rate": Metric(
        "退单率",
        "统计期内开始的派单中，经派单审核员同意退回的次数 ÷ 派单量（按派单时间统计）。",
        rate=True,
    ),
    "average_handling_hours": Metric(
        "平均办理时长（工作小时）",
        "统计期内答复的派单，从派单到答复经过的工作时间（按工作日历和工作时段计算）的平均值，单位工作小时。",
    ),
    "assist_opinions": Metric(
        "协办意见数",
        "统计期内协办单位对其协办的工单提交的协办意见条数，计入提交意见的协办单位（不计入主办单位），"
        "按提交时间统计；不参与综合得分。",
    ),
    "score": Metric(
        "综合得分",
        "考评排名用：按时办结率 40%、满意率 30%、解决率 20%、按时签收率 10% 加权，满分 100；"
        "某项无数据（分母为 0）时不计该项，其余权重按比例放大。统计期内没有任何派单的单位不参加排名。",
    ),
    "rank": Metric(
        "排名",
        "按综合得分从高到低排名，得分相同按按时办结率、再按派单量从高到低。"
        "承办单位用户只看到本单位的一行、本单位名次、参加排名的单位数和全市平均值，看不到其他单位的数据。",
    ),
}

SUMMARY_FIELDS = (
    "received", "answered", "direct_answer_rate", "dispatched", "sign_on_time_rate", "on_time_rate",
    "overdue", "severely_overdue", "accountability_rate", "revisit_rate", "satisfaction_rate",
    "resolution_rate", "redo_rate", "return_rate", "average_handling_hours", "assist_opinions",
)

# Revisit answers that count as satisfied in 满意率.
SATISFIED = ("satisfied", "basically_satisfied")

# Composite score of the league table: weights per rate, summing to 1.
SCORE_WEIGHTS = {
    "on_time_rate": 0.4,
    "satisfaction_rate": 0.3,
    "resolution_rate": 0.2,
    "sign_on_time_rate": 0.1,
}


def as_dict():
    return {code: {"name": m.name, "definition": m.definition, "rate": m.rate}
            for code, m in METRICS.items()}
