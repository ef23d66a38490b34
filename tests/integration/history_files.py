"""Historical ticket files as another centre's system exports them, for the import tests and
bench/import_tickets.py: Chinese headers, department names, category paths or codes."""
import csv
import random
from datetime import datetime, timedelta

from openpyxl import Workbook
from sqlalchemy import select

from hotline.directory.models import Category, Department
from hotline.extensions import db

HEADER = ("工单编号", "受理时间", "渠道", "来电人", "来电号码", "诉求内容", "标题", "地址", "区域", "类型",
          "紧急程度", "分类", "承办单位", "状态", "办理结果", "答复内容", "办结时间", "满意度", "是否解决")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
PLACES = ("金桂苑小区", "幸福路与人民路交叉口", "滨江花园", "第三中学门口", "城西农贸市场", "高新区软件园",
          "江北公交枢纽站", "桂花街道社区卫生服务中心", "东湖公园北门", "锦绣家园二期")
PROBLEMS = (
    ("楼下烧烤摊每天营业到凌晨两点，油烟和噪音严重扰民", "投诉", "噪音油烟扰民"),
    ("小区电梯坏了一个星期，物业一直不修，老人上下楼很困难", "投诉", "电梯长期停运"),
    ("路灯已经连续五个晚上不亮，晚上出行很不安全", "求助", "路灯不亮"),
    ("想咨询灵活就业人员如何办理社保缴费，需要带哪些材料", "咨询", "社保缴费咨询"),
    ("人行道上的井盖松动，已经有行人差点摔倒，请尽快处理", "求助", "井盖松动"),
    ("建议在学校门口增设减速带和人行横道信号灯", "建议", "增设减速带"),
    ("自来水发黄有异味，已经持续两天，影响日常生活", "投诉", "自来水水质"),
    ("咨询公积金贷款额度如何计算，首套房可以贷多少", "咨询", "公积金贷款"),
    ("施工工地夜间违规施工，渣土车沿路撒漏", "投诉", "夜间施工"),
    ("感谢社区工作人员帮忙解决了独居老人的取暖问题", "表扬", "表扬社区"),
)
REPLIES = ("经现场核查，已责令整改并复查，问题已解决。", "已安排维修人员上门处理，设施已恢复正常。",
           "已向来电人解释相关政策规定，并告知办理流程。", "已联系相关单位协调处理，后续将持续跟进。")
SATISFACTIONS = ("满意", "满意", "满意", "基本满意", "不满意", "未联系上")


def directory():
    """(department names, category references: level-2 codes and level-3 paths) of the database."""
    departments = db.session.scalars(select(Department.name).where(Department.active).order_by(Department.id)).all()
    categories = db.session.scalars(select(Category).where(Category.active).order_by(Category.id)).all()
    refs = [c.code if c.code else c.path for c in categories if c.level >= 2]
    return departments, refs


def history_rows(n, departments, categories, seed=14, start=datetime(2024, 1, 2, 8, 0)):
    """n rows as {header: text}: about one in six answered on the call, the rest closed by a department."""
    rng = random.Random(seed)
    for i in range(n):
        problem, kind, subject = rng.choice(PROBLEMS)
        area = rng.choice(("城东区", "城西区", "高新区", "江北区"))
        place = rng.choice(PLACES)
        created = start + timedelta(minutes=rng.randrange(60 * 24 * 365))
        row = {"工单编号": f"LS{seed:02d}{i:08d}", "受理时间": f"{created:%Y-%m-%d %H:%M}",
               "渠道": rng.choice(("电话", "电话", "电话", "网站", "微信")),
               "来电人": rng.choice(SURNAMES) + rng.choice(("先生", "女士")),
               "来电号码": f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
               "诉求内容": f"{area}{place}：{problem}。", "标题": subject, "地址": f"{area}{place}", "区域": area,
               "类型": kind, "紧急程度": "一般", "分类": rng.choice(categories)}
        if rng.random() < 0.16:
            row.update({"状态": "直接办结", "答复内容": rng.choice(REPLIES)})
        else:
            closed = created + timedelta(hours=rng.randint(4, 24 * 9))
            satisfaction = rng.choice(SATISFACTIONS)
            row.update({"承办单位": rng.choice(departments), "状态": "已办结", "办理结果": "已解决",
                        "答复内容": rng.choice(REPLIES), "办结时间": f"{closed:%Y-%m-%d %H:%M}",
                        "满意度": satisfaction,
                        "是否解决": "" if satisfaction == "未联系上" else rng.choice(("是", "是", "否"))})
        yield row


def write_csv(path, rows, header=HEADER):
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        writer = csv.DictWriter(out, header, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_xlsx(path, rows, header=HEADER):
    book = Workbook(write_only=True)
    sheet = book.create_sheet("历史工单")
    sheet.append(list(header))
    for row in rows:
        sheet.append([row.get(name) for name in header])
    book.save(path)
    return path
