#!/usr/bin/env python
"""Generate the fictional, Taixing-scale sample data set (one CSV per record kind) into data/sample/, and its
baseline snapshot (基期, 2023-12-31: the same world on the eve of the 2024-2026 plan) into data/sample/baseline/.

Deterministic: a fixed seed (numpy.random.default_rng) and fixed "as of" dates (txip_geo.ingest.sample), so running
it twice gives byte-identical files.  Every party/organisation name carries the marker （样例）;
credit codes, application numbers, registration numbers and coordinates are synthetic.

    python scripts/make_sample_data.py            # writes data/sample/ and data/sample/baseline/
    python scripts/make_sample_data.py --out DIR  # writes DIR/ and DIR/baseline/

Length: one generated world, whose parts draw from one seed in a fixed order and refer to each other (applicants,
their patents and marks, the firms' flags and holdings, the baseline derived from all of them); split up, the
order of the draws -- and so every committed file -- would hang on imports between modules.

Inputs: the gazetteer (data/*.csv) and the schematic township polygons geo/schematic_townships.geojson
(property ``code``); points are drawn inside those polygons.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from shapely.geometry import Point, shape

from txip_geo import schema
from txip_geo.areas.gazetteer import load_gazetteer
from txip_geo.ingest import sample
from txip_geo.paths import DATA_DIR, GEO_DIR, SAMPLE_DIR

SEED = 20261031
AS_OF = date.fromisoformat(sample.SAMPLE_AS_OF)  # the current snapshot
BASELINE = date.fromisoformat(sample.SAMPLE_BASELINE_AS_OF)  # the baseline snapshot (基期), in baseline/
MARK = "（样例）"
POLYGONS = GEO_DIR / "schematic_townships.geojson"
PARK_POLYGONS = GEO_DIR / "schematic_parks.geojson"  # optional: park firms are placed inside these

# Gaps the app must be able to show (by unit code).
NO_WORKSTATION = ("321283101", "321283200", "321283112")  # 分界镇, 根思乡, 河失镇
NO_INVENTION = "321283200"  # 根思乡: utility models and designs only
NO_TRADEMARK = "321283104"  # 元竹镇

# Relative size of a unit where data/population.csv has no figure (unsourced guess for the sample only).
DEFAULT_POP = 45000
SMALL_POP = {"321283200": 26000}  # 根思乡: smallest
# Industrial weight on top of population: parks / hubs (sample assumption).
INDUSTRY_BOOST = {"321283123": 2.6, "321283100": 1.5, "321283124": 1.4, "321283001": 1.4, "321283002": 0.9}
PARK_SHARE = {"P01": 0.55, "P02": 0.35, "P03": 0.35, "P04": 0.25}  # share of a host unit's firms in the park

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


# --------------------------------------------------------------------------- numbers


def patent_check_digit(digits: str) -> str:
    """CNIPA application-number check character: weights 2..9 repeating, sum mod 11, 10 -> X."""
    s = sum(int(d) * (2 + i % 8) for i, d in enumerate(digits))
    r = s % 11
    return "X" if r == 10 else str(r)


def uscc(dept_type: str, region: str, body: str) -> str:
    """A 统一社会信用代码 with correct check characters (GB 11714 for the organisation code, GB 32100 overall).

    ``body`` is the 8-character synthetic organisation-code body (e.g. 'YB000123'); the pattern 'YB' + a
    running number marks the sample codes as synthetic.
    """
    vals = [int(c) if c.isdigit() else ord(c) - 55 for c in body]
    c9 = 11 - sum(v * w for v, w in zip(vals, ORG_WEIGHTS)) % 11
    org = body + ("X" if c9 == 10 else "0" if c9 == 11 else str(c9))
    s17 = dept_type + region + org
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(s17, USCC_WEIGHTS))
    c18 = (31 - total % 31) % 31
    return s17 + USCC_ALPHABET[c18]


# --------------------------------------------------------------------------- word lists

CORES = [
    "恒达",
    "华盛",
    "瑞丰",
    "永信",
    "宏远",
    "金泰",
    "银河",
    "新宇",
    "嘉诚",
    "鑫源",
    "博远",
    "天元",
    "中锐",
    "东辰",
    "海川",
    "汇丰",
    "康宁",
    "润华",
    "力拓",
    "安泰",
    "明阳",
    "诚信",
    "隆昌",
    "富源",
    "远东",
    "大成",
    "盛世",
    "立新",
    "泰和",
    "同创",
    "德润",
    "三友",
    "金鼎",
    "蓝天",
    "华康",
    "宏图",
    "振华",
    "新源",
    "协力",
    "永泰",
    "恒通",
    "华宇",
    "方圆",
    "凯达",
    "利民",
    "鼎盛",
    "天成",
    "宏昌",
    "益民",
    "兴达",
    "嘉禾",
    "恒瑞",
    "佳美",
    "宝利",
    "奥凯",
    "晨光",
    "旭日",
    "锦程",
    "中正",
    "百川",
    "星辰",
    "昊天",
    "盈科",
    "聚力",
    "丰泽",
    "长荣",
    "信达",
    "海纳",
    "科润",
    "启航",
    "驰远",
    "万邦",
    "宇航",
    "青松",
    "白鹭",
    "金桥",
    "绿源",
    "福瑞",
    "顺达",
    "腾飞",
    "沃德",
    "瑞祥",
    "荣盛",
    "德明",
]
BRAND_CHARS = list("泰兴润华鑫源康宝瑞禾盛达丰嘉佳恒德悦美乐福寿金银玉香甜鲜味品真诚信安和顺")

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙朱马胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程丁")

INDUSTRIES = {
    "chem": dict(
        label="精细化工及新材料",
        hy=["化学原料和化学制品制造业", "橡胶和塑料制品业"],
        words=["化工", "新材料", "化学", "精细化工", "材料科技"],
        inv_obj=[
            "高纯度对苯二甲酸",
            "环氧树脂固化剂",
            "聚氨酯胶粘剂",
            "水性防腐涂料",
            "医药中间体",
            "有机硅改性树脂",
            "无卤阻燃剂",
            "加氢催化剂",
            "非离子表面活性剂",
            "含氯有机废液",
            "离子液体",
            "纳米二氧化硅",
            "聚醚多元醇",
            "丙烯酸酯共聚物",
            "氯代吡啶",
        ],
        inv_act=["的制备方法", "的合成方法", "的连续化生产工艺", "的提纯方法", "及其制备方法", "的回收处理方法"],
        devices=[
            "反应釜冷却装置",
            "物料输送管道",
            "精馏塔回流装置",
            "尾气吸收装置",
            "储罐呼吸阀",
            "离心分离设备",
            "固体投料装置",
            "管道防泄漏结构",
        ],
        products=["包装桶", "试剂瓶", "涂料桶", "吨桶"],
        ipc=[
            "C07C 51/265",
            "C07C 67/08",
            "C08G 18/48",
            "C08L 63/00",
            "C09D 175/04",
            "C09J 175/04",
            "B01J 19/18",
            "C07D 213/61",
            "C01B 33/12",
            "B01D 3/14",
        ],
        um_ipc=["B01J 19/00", "B01D 53/18", "F17C 13/04", "B01D 3/32", "B65G 53/04", "F16L 55/07", "B04B 7/00"],
        loc=["09-01", "09-03"],
        nice=[1, 1, 1, 2, 3, 4, 5, 17, 19, 42],
    ),
    "equip": dict(
        label="高端装备制造",
        hy=["专用设备制造业", "通用设备制造业", "汽车制造业"],
        words=["机械", "装备", "重工", "智能装备", "机电"],
        inv_obj=["减速机齿轮", "液压阀组", "焊接机器人", "数控折弯机", "输送线", "齿轮箱", "起重机吊臂", "轴承座"],
        inv_act=["的加工方法", "的控制方法", "的装配工艺", "的检测方法", "及其控制系统"],
        devices=[
            "夹具定位装置",
            "自动上料机构",
            "减速机润滑结构",
            "焊接变位机",
            "输送辊道",
            "液压缓冲装置",
            "打磨除尘设备",
            "传动轴连接结构",
        ],
        products=["数控机床", "减速机", "控制柜", "起重机"],
        ipc=[
            "B23K 37/04",
            "F16K 31/12",
            "B65G 47/90",
            "B21D 43/00",
            "F16H 57/02",
            "B24B 41/06",
            "G01M 13/04",
            "B66C 23/00",
        ],
        um_ipc=["B23K 37/04", "B23Q 3/06", "B65G 13/02", "F16N 7/00", "F16F 9/02", "B24B 55/06", "F16D 1/06"],
        loc=["15-99", "13-03", "15-09"],
        nice=[7, 7, 7, 9, 11, 12, 6, 8, 37],
    ),
    "bio": dict(
        label="生物医药及新型医疗器械",
        hy=["医药制造业", "专用设备制造业"],
        words=["生物医药", "医疗器械", "药业", "生物科技", "医用材料"],
        inv_obj=["缓释片", "中药提取物", "原料药晶型", "医用敷料", "注射用冻干粉", "酶制剂", "可吸收缝合线"],
        inv_act=["的制备方法", "的纯化方法", "的检测方法", "及其应用", "的质量控制方法"],
        devices=["输液器", "一次性采血针", "医用护理架", "药品包装机", "无菌灌装装置", "口罩耳带焊接机构"],
        products=["输液瓶", "药盒", "护理床", "采样管"],
        ipc=["A61K 31/4439", "A61K 36/185", "A61B 17/34", "A61M 5/14", "C12N 9/12", "A61L 2/07"],
        um_ipc=["A61M 5/14", "A61G 7/05", "A61B 5/15", "B65B 3/00", "A41D 13/11"],
        loc=["24-02", "24-01", "09-01"],
        nice=[5, 5, 5, 10, 10, 3, 44, 35],
    ),
    "agri": dict(
        label="农产品精深加工",
        hy=["农副食品加工业"],
        words=["农业科技", "粮油", "农产品", "米业", "生态农业"],
        inv_obj=["银杏果", "大米", "菜籽油", "饲料", "银杏叶提取物", "稻谷"],
        inv_act=["的加工方法", "的保鲜方法", "的烘干工艺", "的精制方法", "的综合利用方法"],
        devices=["稻谷烘干机", "粮食清杂装置", "油料压榨设备", "果蔬清洗机", "饲料粉碎机", "银杏脱皮装置"],
        products=["包装袋", "礼盒", "米袋", "油瓶"],
        ipc=["A23L 7/10", "A23N 12/08", "A01K 61/10", "A23B 7/02", "A01G 9/02", "B02B 3/00"],
        um_ipc=["F26B 17/12", "B07B 1/28", "B30B 9/02", "A23N 12/02", "A23N 5/00"],
        loc=["09-05", "09-01", "09-03"],
        nice=[29, 30, 30, 31, 31, 32, 33, 35],
    ),
    "food": dict(
        label="食品加工",
        hy=["食品制造业", "酒、饮料和精制茶制造业"],
        words=["食品", "调味品", "酒业", "饮料", "食品科技"],
        inv_obj=["烧饼", "酱菜", "黄酒", "固体饮料", "酱油", "糕点", "速冻面点"],
        inv_act=["的制作方法", "的发酵工艺", "的生产方法", "的杀菌方法", "及其制备方法"],
        devices=["面团压延装置", "烘烤炉", "灌装机", "封口机", "发酵罐温控装置", "食品包装机"],
        products=["酒瓶", "包装盒", "饮料瓶", "礼盒"],
        ipc=["A23L 19/00", "A21D 13/06", "A23F 3/06", "A23G 3/34", "C12G 3/02", "A23L 2/38"],
        um_ipc=["A21C 3/02", "A21B 1/48", "B67C 3/00", "B65B 51/10", "C12M 1/36"],
        loc=["09-01", "09-03", "01-01"],
        nice=[29, 30, 30, 32, 33, 33, 43, 35],
    ),
    "energy": dict(
        label="节能环保和新能源",
        hy=["电气机械和器材制造业", "生态保护和环境治理业"],
        words=["新能源", "环保科技", "节能科技", "电气", "光伏"],
        inv_obj=["锂电池正极材料", "光伏组件", "废水", "生物质颗粒", "储能系统", "脱硫剂"],
        inv_act=["的制备方法", "的处理方法", "的控制方法", "的回收方法", "及其制备方法"],
        devices=["光伏支架", "污水处理装置", "除尘器", "电池包散热结构", "充电桩", "变压器散热器"],
        products=["充电桩", "控制箱", "路灯", "配电柜"],
        ipc=["H01M 10/0525", "F24S 20/20", "B01D 53/78", "H02J 7/35", "C02F 9/00", "F23G 5/027"],
        um_ipc=["H02S 20/10", "C02F 9/00", "B01D 46/02", "H01M 10/613", "B60L 53/31", "H01F 27/08"],
        loc=["13-02", "13-03", "26-03"],
        nice=[9, 9, 11, 11, 7, 40, 42, 37],
    ),
    "other": dict(
        label="其他",
        hy=["纺织业", "计算机、通信和其他电子设备制造业", "非金属矿物制品业", "纺织服装、服饰业"],
        words=["纺织", "电子", "建材", "服饰", "信息技术"],
        inv_obj=["功能性面料", "电路板", "保温砌块", "导电纤维", "数据管理平台"],
        inv_act=["的生产方法", "的制备方法", "的检测方法", "的实现方法"],
        devices=["纺纱张力装置", "电路板散热结构", "砌块成型模具", "验布机", "线缆固定夹"],
        products=["服装", "手机壳", "墙砖", "背包"],
        ipc=["D06P 1/44", "D01D 5/08", "H05K 7/20", "G06F 16/22", "E04B 1/76", "B32B 27/06"],
        um_ipc=["D01H 13/10", "H05K 7/20", "B28B 7/00", "D06H 3/08", "H02G 3/32"],
        loc=["02-02", "14-03", "25-01", "03-01"],
        nice=[24, 25, 25, 9, 16, 19, 20, 21, 35],
    ),
}
IND_KEYS = list(INDUSTRIES)
# The 行业 (GB/T 4754) that goes with a word in the firm's name, where an industry covers several.
HY_BY_WORD = {
    "纺织": "纺织业",
    "电子": "计算机、通信和其他电子设备制造业",
    "建材": "非金属矿物制品业",
    "服饰": "纺织服装、服饰业",
    "信息技术": "软件和信息技术服务业",
    "光伏": "电气机械和器材制造业",
    "电气": "电气机械和器材制造业",
    "新能源": "电气机械和器材制造业",
    "环保科技": "生态保护和环境治理业",
    "节能科技": "通用设备制造业",
    "酒业": "酒、饮料和精制茶制造业",
    "饮料": "酒、饮料和精制茶制造业",
    "药业": "医药制造业",
    "生物医药": "医药制造业",
    "医用材料": "医药制造业",
    "医疗器械": "专用设备制造业",
}
IND_SHARE = {"chem": 0.24, "equip": 0.24, "bio": 0.08, "agri": 0.10, "food": 0.10, "energy": 0.12, "other": 0.12}
IND_SHARE_BINJIANG = {
    "chem": 0.70,
    "equip": 0.10,
    "bio": 0.06,
    "agri": 0.02,
    "food": 0.02,
    "energy": 0.06,
    "other": 0.04,
}

GENERIC_ROADS = [
    "人民路",
    "文昌路",
    "工业路",
    "兴业路",
    "创业路",
    "科技大道",
    "振兴路",
    "富民路",
    "友谊路",
    "迎宾路",
    "建设路",
    "胜利路",
    "朝阳路",
    "东方大道",
    "幸福路",
    "光明路",
    "新华路",
    "和平路",
    "工业园路",
    "镇南路",
    "镇北路",
]
# Roads whose names contain another unit's short name: the unit must come from the unit name, not the road.
UNIT_ROADS = {
    "321283001": ["根思东路", "济川北路", "鼓楼东路"],
    "321283002": ["黄桥路", "济川南路", "延令路"],
    "321283003": ["泰姚南路"],
    "321283100": ["城黄路"],
    "321283102": ["古溪西路"],
    "321283123": ["沿江大道", "疏港路", "通江路", "澄江路"],
    "321283124": ["中心大道"],
}
PARK_ROADS = {
    "P01": ["沿江大道", "疏港路", "通江路", "澄江路", "滨江路", "化工园路"],
    "P02": ["城黄路", "工业园路", "澄黄大道", "江阴路"],
    "P03": ["中心大道", "园区大道", "工业路"],
    "P04": ["科技大道", "创新路", "高新路", "智造路"],
}
CITY_PREFIXES = ["江苏省泰兴市", "泰兴市", "泰兴市", "江苏省泰州市泰兴市"]
OUTSIDE_PREFIXES = [
    ("靖江市", "321282"),
    ("江苏省靖江市", "321282"),
    ("江苏省泰州市高港区", "321203"),
    ("泰州市高港区", "321203"),
    ("如皋市", "320682"),
    ("江苏省如皋市", "320682"),
]
CN_NUM = "一二三四五六七八九十"


# --------------------------------------------------------------------------- context


@dataclass
class UnitInfo:
    code: str
    name: str
    short: str
    weight: float  # sample weight of economic activity
    poly: object  # shapely geometry (shrunk a little)
    villages: list
    former: list  # old names that merged into this unit: (name, merge date)
    park_polys: dict  # park code -> schematic park polygon inside this unit


@dataclass
class Applicant:
    name: str
    code: str  # credit code ('' unknown)
    unit: str  # unit code ('' outside)
    park: str  # park code or ''
    park_name: str  # the park's gazetteer name or ''
    industry: str
    road: str
    number: int
    village: str  # '' or village label ('过船村', '府前社区')
    former: str  # old town name this firm sits in (if its unit absorbed one) or ''
    outside: str  # outside address prefix or ''
    weight: float
    founded: int
    in_table: bool = False
    tm_only: bool = False
    tm_weight: float = 0.0  # trademark volume


def assign_former_towns(apps: list[Applicant], units: dict) -> None:
    """Firms that sit in a former town (溪桥镇, 七圩镇, ...): all of 姚王 (the whole old town became the 街道),
    two in five elsewhere, largest first and cycling through the unit's old names so each one is used."""
    for code, u in units.items():
        if not u.former:
            continue
        names = [n for n, _ in u.former]
        local = sorted((a for a in apps if a.unit == code and not a.park), key=lambda a: (-a.weight, a.name))
        for i, a in enumerate(local):
            if len(names) == 1 and code == "321283003":
                a.former = names[0]
            elif i % 5 in (0, 2):
                a.former = names[(i // 5 * 2 + (i % 5 == 2)) % len(names)]


def balance_by_unit(apps: list[Applicant], target: dict[str, float], attr: str = "weight") -> None:
    """Scale weights so each unit's total is proportional to ``target[unit]``; the heavy tail stays within a unit."""
    tot: dict[str, float] = {}
    for a in apps:
        tot[a.unit] = tot.get(a.unit, 0.0) + getattr(a, attr)
    for a in apps:
        if tot[a.unit] > 0:
            setattr(a, attr, getattr(a, attr) * target[a.unit] / tot[a.unit])


def _merge_date(year: str) -> date:
    return date(2021, 4, 21) if year == "2021" else date(int(year), 4, 1)


def load_polygons(path: Path = POLYGONS, required: bool = True) -> dict:
    """code -> polygon shrunk by about 400 m (so points are clearly inside, also after a GCJ-02 round trip)."""
    if not path.exists():
        if required:
            raise SystemExit(f"缺少 {path}：需要示意乡镇边界（property 'code'）来生成坐标。")
        return {}
    with open(path, encoding="utf-8") as f:
        gj = json.load(f)
    out = {}
    for feat in gj["features"]:
        code = str(feat["properties"].get("code", ""))
        geom = shape(feat["geometry"])
        if not geom.is_valid:
            geom = geom.buffer(0)
        inner = geom.buffer(-0.004)
        out[code] = inner if not inner.is_empty and inner.area > geom.area * 0.2 else geom
    return out


def load_context():
    gaz = load_gazetteer(DATA_DIR)
    polys = load_polygons()
    pop: dict[str, tuple[int, int]] = {}
    with open(DATA_DIR / "population.csv", encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            y = int(r["year"])
            if r["code"] not in pop or y > pop[r["code"]][0]:
                pop[r["code"]] = (y, int(r["population"]))
    units = {}
    for u in gaz.units:
        if u.code not in polys:
            raise SystemExit(f"{POLYGONS.name} 缺少 {u.code} {u.name} 的多边形")
        p = pop.get(u.code, (0, SMALL_POP.get(u.code, DEFAULT_POP)))[1]
        vill = [(v.name + ("村" if v.kind == "村" else "社区")) for v in gaz.villages if v.unit_code == u.code]
        former = [(o.name, _merge_date(o.year)) for o in gaz.old_names if o.successor_code == u.code]
        units[u.code] = UnitInfo(
            u.code, u.name, u.short_name, p / 10000 * INDUSTRY_BOOST.get(u.code, 1.0), polys[u.code], vill, former, {}
        )
    parks = {p.code: p for p in gaz.parks}
    park_polys = load_polygons(PARK_POLYGONS, required=False)
    park_unit = {}
    for p in gaz.parks:
        host = p.host_code
        if not host and p.code in park_polys:  # host not sourced: the township the schematic park lies in
            rp = park_polys[p.code].representative_point()
            host = next((c for c, g in polys.items() if g.contains(rp)), "")
        if host:
            park_unit[p.code] = host
            # Park firms sit inside the schematic park (when it lies in its host township), else in the township.
            if p.code in park_polys and polys[host].contains(park_polys[p.code].representative_point()):
                units[host].park_polys[p.code] = park_polys[p.code].intersection(units[host].poly)
    # Words that must not occur inside invented names (they would look like place names).
    place_words = {u.short_name for u in gaz.units} | {v.name for v in gaz.villages}
    place_words |= {o.name[:-1] for o in gaz.old_names}
    return gaz, units, parks, park_unit, place_words


# --------------------------------------------------------------------------- helpers


def pick(rng, seq, p=None):
    if p is not None:
        p = np.asarray(p, dtype=float)
        p = p / p.sum()
    return seq[int(rng.choice(len(seq), p=p))]


def rand_date(rng, start: date, end: date) -> date:
    days = (end - start).days
    return start + timedelta(days=int(rng.integers(0, days + 1)))


def add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def place(rng, units, unit: str, park: str = "") -> tuple[float, float]:
    """A WGS84 point inside the unit's polygon, inside the schematic park when the record belongs to one."""
    u = units[unit]
    geom = u.park_polys.get(park) or u.poly
    return point_in(rng, geom)


def point_in(rng, geom) -> tuple[float, float]:
    minx, miny, maxx, maxy = geom.bounds
    while True:
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if geom.contains(Point(x, y)):
            return round(float(x), 6), round(float(y), 6)


def to_gcj(lon: float, lat: float) -> tuple[float, float]:
    """WGS84 -> GCJ-02 (the standard formula): txip_geo.areas.datum when present, else the prcoords package."""
    try:
        from txip_geo.areas.datum import wgs84_to_gcj02
    except ImportError:
        import prcoords

        c = prcoords.wgs_gcj((lat, lon))
        glon, glat = c.lon, c.lat
    else:
        glon, glat = wgs84_to_gcj02(lon, lat)
    return round(float(glon), 6), round(float(glat), 6)


def fmt_date(d) -> str:
    return d.isoformat() if d else ""


def yes(b: bool) -> str:
    return "是" if b else "否"


# --------------------------------------------------------------------------- names


class Namer:
    def __init__(self, rng, place_words):
        self.rng = rng
        self.used: set[str] = set()
        self.cores = [c for c in CORES if not any(w in c for w in place_words)]

    def company(self, industry: str, prefixes=("泰兴", "泰兴", "江苏", "泰兴市")) -> str:
        words = INDUSTRIES[industry]["words"]
        for _ in range(1000):
            pre = pick(self.rng, list(prefixes))
            word = pick(self.rng, words)
            suf = pick(self.rng, ["有限公司", "有限公司", "股份有限公司", "科技有限公司"])
            if word.endswith("科技") and suf.startswith("科技"):
                suf = "有限公司"
            name = f"{pre}示例{pick(self.rng, self.cores)}{word}{suf}{MARK}"
            if name not in self.used:
                self.used.add(name)
                return name
        raise RuntimeError("name pool exhausted")

    def small(self, kinds: list[str]) -> str:
        for _ in range(1000):
            core = pick(self.rng, self.cores)
            name = f"泰兴市示例{core}{pick(self.rng, kinds)}{MARK}"
            if name not in self.used:
                self.used.add(name)
                return name
        raise RuntimeError("name pool exhausted")

    def person(self) -> str:
        return f"{pick(self.rng, SURNAMES)}某{MARK}"


# --------------------------------------------------------------------------- addresses


def unit_road(rng, unit: str) -> str:
    own = UNIT_ROADS.get(unit, [])
    if own and rng.random() < 0.45:
        return pick(rng, own)
    return pick(rng, [r for r in GENERIC_ROADS if r != "人民路"])


def park_forms(park_name: str) -> list[str]:
    """How a park is written at the start of an address: 江苏省泰兴经济开发区…, 泰兴市黄桥经济开发区…, 泰兴高新技术产业开发区…"""
    if park_name.startswith("泰兴"):
        return [park_name, "江苏省" + park_name]
    return ["泰兴市" + park_name, "江苏省泰兴市" + park_name]


def canonical_address(app: Applicant, units: dict) -> str:
    """The applicant's own address in its unit (used for enterprises and as the common written form)."""
    if app.outside:
        return f"{app.outside}{app.road}{app.number}号"
    u = units[app.unit]
    if app.park:
        return f"{park_forms(app.park_name)[0]}{app.road}{app.number}号"
    if app.village:
        return f"江苏省泰兴市{u.name}{app.village}{app.number}号"
    return f"江苏省泰兴市{u.name}{app.road}{app.number}号"


def written_address(rng, app: Applicant, when: date, units: dict, no_unit_rate: float = 0.01) -> str:
    """The address as one exported row writes it: prefixes vary, old town names before (and a few after) mergers,
    park forms, villages; about ``no_unit_rate`` of rows have no usable unit (empty or a road only)."""
    if app.outside:
        return f"{app.outside}{app.road}{app.number}号"
    r = rng.random()
    if r < no_unit_rate / 2:
        return ""
    if r < no_unit_rate:
        return f"泰兴市{pick(rng, ['人民路', '人民路', '文昌路', '友谊路'])}{int(rng.integers(1, 200))}号"
    u = units[app.unit]
    if app.former:
        # Old town names before the merger, and fading out over the years after it.
        years_after = (when - dict(u.former)[app.former]).days / 365.25
        p_old = 0.8 if years_after < 0 else 0.5 * np.exp(-years_after / 3) + 0.02
        if rng.random() < p_old:
            return f"{pick(rng, CITY_PREFIXES)}{app.former}{app.road}{app.number}号"
    if app.park and rng.random() < 0.8:
        if rng.random() < 0.15:  # unit and park both written
            return f"{pick(rng, CITY_PREFIXES)}{u.name}{app.park_name}{app.road}{app.number}号"
        return f"{pick(rng, park_forms(app.park_name))}{app.road}{app.number}号"
    if app.village and rng.random() < 0.85:
        tail = f"{app.number}号" if rng.random() < 0.6 else f"{CN_NUM[app.number % 10]}组"
        return f"{pick(rng, CITY_PREFIXES)}{u.name}{app.village}{tail}"
    return f"{pick(rng, CITY_PREFIXES)}{u.name}{app.road}{app.number}号"


# --------------------------------------------------------------------------- applicants


def make_applicants(rng, units, parks, park_unit, namer: Namer):
    codes = list(units)
    w_unit = np.array([units[c].weight for c in codes])
    seq = iter(range(1, 100000))

    def new_code(region="321283", dept="91"):
        return uscc(dept, region, f"YB{next(seq):06d}")

    def make_one(unit: str, in_table: bool, industry: str | None = None, tm_only=False) -> Applicant:
        if industry is None:
            share = IND_SHARE_BINJIANG if unit == "321283123" else IND_SHARE
            industry = pick(rng, IND_KEYS, [share[k] for k in IND_KEYS])
        park = ""
        for pc, host in park_unit.items():
            if host == unit and rng.random() < PARK_SHARE[pc] * (1.3 if industry == "chem" and pc == "P01" else 1):
                park = pc
                break
        if tm_only:
            park = ""
        u = units[unit]
        village_share = 0.7 if unit == "321283123" else 0.3  # 滨江镇: firms outside the park mostly give a village
        village = pick(rng, u.villages) if (u.villages and not park and rng.random() < village_share) else ""
        former = ""  # set by assign_former_towns
        road = pick(rng, PARK_ROADS[park]) if park else unit_road(rng, unit)
        if tm_only:
            name = namer.small(
                [
                    "食品商行",
                    "副食品店",
                    "家庭农场",
                    "服饰店",
                    "茶业经营部",
                    "酒业商行",
                    "餐饮店",
                    "农业专业合作社",
                    "日用品商行",
                    "五金店",
                ]
            )
        else:
            name = namer.company(industry)
        w = float(rng.pareto(1.15) + 0.15)
        founded = int(np.clip(2026 - rng.gamma(2.2, 6.0), 1992, 2024))
        return Applicant(
            name=name,
            code="",
            unit=unit,
            park=park,
            park_name=parks[park].name if park else "",
            industry=industry,
            road=road,
            number=int(rng.integers(1, 300)),
            village=village,
            former=former,
            outside="",
            weight=w,
            founded=founded,
            in_table=in_table,
            tm_only=tm_only,
        )

    table = [make_one(pick(rng, codes, w_unit), True) for _ in range(600)]
    extras = [make_one(pick(rng, codes, w_unit), False) for _ in range(380)]
    tm_only = [
        make_one(pick(rng, codes, w_unit), False, pick(rng, ["agri", "food", "other"]), tm_only=True)
        for _ in range(420)
    ]
    outside = []
    for i in range(12):
        prefix, region = OUTSIDE_PREFIXES[i % len(OUTSIDE_PREFIXES)]
        ind = pick(rng, IND_KEYS, [IND_SHARE[k] for k in IND_KEYS])
        outside.append(
            Applicant(
                namer.company(ind, ("江苏",)),
                new_code(region),
                "",
                "",
                "",
                ind,
                pick(rng, GENERIC_ROADS),
                int(rng.integers(1, 300)),
                "",
                "",
                prefix,
                1.0,
                2000,
                False,
            )
        )
    for a in table:
        a.code = new_code()
    for a in extras:
        a.code = new_code() if rng.random() < 0.5 else ""
    for a in tm_only:
        a.code = new_code("321283", "92") if rng.random() < 0.7 else ""
    return table, extras, tm_only, outside


# --------------------------------------------------------------------------- enterprises (flags)


def assign_enterprise_flags(rng, table: list[Applicant]):
    n = len(table)
    w = np.array([a.weight for a in table])
    idx_all = np.arange(n)

    def choose(cands, k, power=0.7):
        cands = np.asarray(cands)
        p = w[cands] ** power
        return set(int(i) for i in rng.choice(cands, size=k, replace=False, p=p / p.sum()))

    ht = choose(idx_all, 250)
    ht_list = sorted(ht)
    above = choose(ht_list, 215) | choose([i for i in idx_all if i not in ht], 185, 0.5)
    # 消零 targets: 30 规上 (3 of them 高企) + 2 more 高企, spread over many units (no patents at all).
    by_unit: dict[str, list[int]] = {}
    for i in sorted(above):
        if i in ht:
            continue
        by_unit.setdefault(table[i].unit, []).append(i)
    zero: list[int] = []
    unit_cycle = [u for u in sorted(by_unit) if by_unit[u]]
    k = 0
    while len(zero) < 27:
        u = unit_cycle[k % len(unit_cycle)]
        k += 1
        if by_unit[u]:
            j = int(rng.integers(len(by_unit[u])))
            zero.append(by_unit[u].pop(j))
    ht_above = [i for i in ht_list if i in above]
    ht_not_above = [i for i in ht_list if i not in above]
    zero += [int(i) for i in rng.choice(ht_above, 3, replace=False)]
    zero += [int(i) for i in rng.choice(ht_not_above, 2, replace=False)]
    zero_set = set(zero)
    for i in zero_set:  # small firms
        table[i].weight = 0.0

    live = [i for i in idx_all if i not in zero_set]
    live_ht = [i for i in ht_list if i not in zero_set]
    gb_filed = set(int(i) for i in rng.choice([i for i in ht_list if i not in zero_set], 212 - 2, replace=False))
    gb_filed |= set(int(i) for i in rng.choice([i for i in ht_list if i in zero_set], 2, replace=False))
    gb_filed |= choose([i for i in live if i not in ht], 30, 0.3)
    gb_passed = choose(sorted(gb_filed - zero_set), 27, 1.0)
    national = sorted(choose(live_ht, 7, 1.2))
    advantage = {i: ("国家知识产权示范企业" if j < 2 else "国家知识产权优势企业") for j, i in enumerate(national)}
    for i in choose([i for i in live if i not in advantage], 12, 1.0):
        advantage[i] = pick(rng, ["省知识产权示范企业", "省级知识产权优势企业"])
    intensive = choose(live_ht, 18, 1.0)
    standard = choose(live, 62, 0.9)
    for i in idx_all:  # bigger firms file more
        table[i].weight *= (3.0 if i in ht else 1.0) * (1.5 if i in above else 1.0)
    return dict(
        ht=ht,
        above=above,
        zero=zero_set,
        gb_filed=gb_filed,
        gb_passed=gb_passed,
        advantage=advantage,
        intensive=intensive,
        standard=standard,
    )


# --------------------------------------------------------------------------- patents


def _year_counts(total_new: int):
    years = np.arange(2005, 2027)
    w = np.exp(0.12 * (years - 2005))
    w[-1] *= 10 / 12  # 2026 up to the end of October
    counts = np.round(w / w.sum() * total_new).astype(int)
    return dict(zip(years.tolist(), counts.tolist()))


def _patent_outcome(rng, ptype: str, d: date):
    """(status_code, wording, grant_date, ended) for a patent filed on d, as of AS_OF; ``ended``: the day an invalid
    one became invalid (rejected or withdrawn on its decision date, lapsed, term over), else None."""
    asof = AS_OF
    age = (asof - d).days / 365.25
    if ptype == "invention":
        t_dec = float(np.clip(rng.lognormal(np.log(2.2), 0.28), 1.1, 5.5))
        p_grant, hazard, term = 0.75, 0.035, 20
    elif ptype == "utility":
        t_dec = float(rng.uniform(0.35, 1.1))
        p_grant, hazard, term = 0.95, 0.105, 10
    else:
        t_dec = float(rng.uniform(0.25, 0.8))
        p_grant, hazard, term = 0.97, 0.12, (15 if d >= date(2021, 6, 1) else 10)
    dec = d + timedelta(days=int(t_dec * 365.25))
    if dec > asof:
        if ptype == "invention":
            if age < 1.5:
                w = pick(rng, ["审中", "公开", "审中"])
            else:
                w = pick(rng, ["实质审查", "实质审查", "审中", "等待实审"])
        else:
            w = "审中"
        return "pending", w, None, None
    if rng.random() > p_grant:
        if ptype == "invention":
            w = pick(rng, ["驳回", "视为撤回", "驳回", "失效"])
        else:
            w = pick(rng, ["视为撤回", "失效", "驳回"])
        return "invalid", w, None, dec
    grant = dec
    # Lapse for unpaid fees: constant hazard, higher from the 11th year on (fees rise steeply).
    e = float(rng.exponential(1.0))
    t10 = max((add_years(d, 10) - grant).days / 365.25, 0.0)
    life = e / hazard if e < hazard * t10 else t10 + (e - hazard * t10) / (hazard * 3.0)
    end = add_years(d, term)
    lapse = grant + timedelta(days=int(life * 365.25))
    if lapse < end and lapse <= asof:
        if rng.random() < 0.06:
            return "invalid", pick(rng, ["放弃", "避免重复授权放弃"]) if ptype == "utility" else "放弃", grant, lapse
        return "invalid", pick(rng, ["未缴年费终止", "未缴年费终止", "未缴年费专利权终止", "失效"]), grant, lapse
    if end <= asof:
        return "invalid", pick(rng, ["期限届满", "期限届满", "失效"]), grant, end
    if (asof - grant).days < 365 and rng.random() < 0.5:
        return "valid", "授权", grant, None
    return "valid", pick(rng, ["有效", "专利权维持", "授权"], [0.5, 0.35, 0.15]), grant, None


TYPE_DIGIT = {"invention": "1", "utility": "2", "design": "3"}
TYPE_LABELS = {
    "invention": ["发明", "发明", "发明专利"],
    "utility": ["实用新型", "实用新型", "实用新型专利"],
    "design": ["外观设计", "外观设计", "外观设计专利"],
}


def _serial_max(year: int, digit: str) -> int:
    base = {"1": 60000, "2": 90000, "3": 50000, "8": 40000, "9": 20000}[digit]
    growth = {"1": 1.17, "2": 1.19, "3": 1.10, "8": 1.12, "9": 1.12}[digit]
    return int(base * growth ** (year - 2003))


def format_number(rng, base: str, check: str, granted: bool, style: str | None = None) -> str:
    """Write an application number in one of the forms real exports use."""
    new = len(base) == 12
    styles = ["dot", "dot", "dot", "cn", "zl", "zl", "nodot", "space", "nocheck"]
    if not granted:
        styles = [s for s in styles if s != "zl"]
    s = style or pick(rng, styles)
    if s == "dot":
        return f"{base}.{check}"
    if s == "cn":
        return f"CN{base}.{check}"
    if s == "zl":
        return f"ZL{base}.{check}"
    if s == "nodot":
        return f"{base}{check}"
    if s == "space":
        if new:
            return f"{pick(rng, ['ZL ', 'CN ', ''])}{base[:4]} {base[4]} {base[5:]}.{check}"
        return f"{pick(rng, ['ZL ', 'CN ', ''])}{base[:2]} {base[2]} {base[3:]}.{check}"
    if s == "cnspace":
        return f"CN {base}.{check}"
    return f"CN{base}" if rng.random() < 0.5 else base  # no check digit given


def _title(rng, ind: dict, ptype: str) -> str:
    if ptype == "invention":
        return f"一种{pick(rng, ind['inv_obj'])}{pick(rng, ind['inv_act'])}"
    if ptype == "utility":
        return f"一种{pick(rng, ['', '', '新型', '高效', '便于维护的', '节能型'])}{pick(rng, ind['devices'])}"
    return f"{pick(rng, ind['products'])}（{pick(rng, ['A', 'B', '1', '2', '标准型', '便携式', '500毫升', '礼品装'])}）"


def make_patents(rng, applicants: list[Applicant], outside: list[Applicant], units, total_new: int):
    """The patent rows and what the tests check about them, in stages that draw from rng in this order: the
    applications, their outcomes, their applicants, the rows, the duplicates."""
    skel = _patent_skeleton(rng, total_new)
    outcomes = _patent_outcomes(rng, skel)
    owner = _patent_owners(rng, skel, outcomes, applicants)
    rows, bad_check_rows = _patent_rows(rng, skel, outcomes, owner, applicants, outside, units)
    out, n_duplicates = _with_duplicates(rng, rows, bad_check_rows)
    meta = {"bad_check": sorted(rows[i]["app_no"] for i in bad_check_rows), "duplicates": n_duplicates}
    return out, meta


def _patent_skeleton(rng, total_new: int) -> list[tuple]:
    """(date, ptype, type digit, base digits) of every application, in date order."""
    counts = _year_counts(total_new)
    used: set[str] = set()
    skel = []

    def new_base(year: int, digit: str, old=False) -> str:
        while True:
            if old:
                b = f"{year % 100:02d}{digit}{int(rng.integers(10000, 99999)):05d}"
            else:
                b = f"{year}{digit}{int(rng.integers(10000, _serial_max(year, digit))):07d}"
            if b not in used:
                used.add(b)
                return b

    # Older records (1999-2004): 8+1 numbers before 2003-10-01, all lapsed by now.
    for year, n in ((1999, 5), (2000, 7), (2001, 9), (2002, 12), (2003, 14), (2004, 16)):
        for _ in range(n):
            d = rand_date(rng, date(year, 1, 5), date(year, 12, 28))
            ptype = pick(rng, ["invention", "utility", "design"], [0.3, 0.6, 0.1])
            digit = TYPE_DIGIT[ptype]
            skel.append((d, ptype, digit, new_base(year, digit, old=d < date(2003, 10, 1))))
    for year, n in counts.items():
        inv_share = 0.24 + 0.28 * (year - 2005) / 21
        last = AS_OF - timedelta(days=12) if year == 2026 else date(year, 12, 31)
        for _ in range(n):
            d = rand_date(rng, date(year, 1, 2), last)
            ptype = pick(rng, ["invention", "utility", "design"], [inv_share, 0.9 - inv_share, 0.10])
            digit = TYPE_DIGIT[ptype]
            skel.append((d, ptype, digit, new_base(year, digit)))
    # A few PCT applications entering the Chinese national phase (type digit 8 = invention, 9 = utility model).
    for i in range(14):
        year = int(rng.integers(2011, 2026))
        digit = "8" if i < 11 else "9"
        d = rand_date(rng, date(year, 1, 5), date(year, 12, 20))
        skel.append((d, "invention" if digit == "8" else "utility", digit, new_base(year, digit)))
    skel.sort(key=lambda s: (s[0], s[3]))
    return skel


def _patent_outcomes(rng, skel: list[tuple]) -> list[tuple]:
    """(status code, written status, grant date, ended) of each application (``ended``: _patent_outcome's; None for
    an old one made invalid here, whose day the baseline draws: baseline_patents)."""
    outcomes = []
    for d, ptype, _digit, _base in skel:
        code, wording, grant, ended = _patent_outcome(rng, ptype, d)
        if d < date(2005, 1, 1) and code != "invalid":  # the old tail: all lapsed by now
            code, wording, ended = "invalid", pick(rng, ["期限届满", "未缴年费终止", "失效"]), None
        outcomes.append((code, wording, grant, ended))
    return outcomes


def _patent_owners(rng, skel: list[tuple], outcomes: list[tuple], apps: list[Applicant]) -> np.ndarray:
    """The applicant (index into apps) of each application: every live table enterprise gets at least one valid
    patent, then volume by weight."""
    n = len(skel)
    owner = np.full(n, -1)
    aw = np.array([a.weight for a in apps])
    founded = np.array([a.founded for a in apps])
    genisi = np.array([a.unit == NO_INVENTION for a in apps])
    valid_idx = [i for i in range(n) if outcomes[i][0] == "valid" and skel[i][2] in "123"]
    order = rng.permutation(len(valid_idx))
    pool = [valid_idx[j] for j in order]
    for ai, a in enumerate(apps):
        if not a.in_table or a.weight == 0:
            continue
        for k, si in enumerate(pool):
            if owner[si] < 0 and skel[si][0].year >= a.founded and not (genisi[ai] and skel[si][1] == "invention"):
                owner[si] = ai
                pool.pop(k)
                break
    top = np.argsort(-aw)[:40]  # PCT: only the biggest filers
    for i in range(n):
        if owner[i] >= 0:
            continue
        d, ptype, digit, _base = skel[i]
        if digit in "89":
            cand = [j for j in top if not genisi[j]]
            owner[i] = int(cand[int(rng.integers(len(cand)))])
            continue
        ok = (founded <= d.year) & (aw > 0)
        if ptype == "invention":
            ok &= ~genisi
        p = np.where(ok, aw, 0.0)
        owner[i] = int(rng.choice(len(apps), p=p / p.sum()))
    return owner


def _patent_rows(
    rng,
    skel: list[tuple],
    outcomes: list[tuple],
    owner: np.ndarray,
    apps: list[Applicant],
    outside: list[Applicant],
    units,
) -> tuple[list[dict], set[int]]:
    """One row per application, and the rows whose check digit is wrong on purpose."""
    n = len(skel)
    # About 1 % of rows come from applicants outside Taixing.
    out_rows = set(int(i) for i in rng.choice(np.arange(200, n), size=int(n * 0.017), replace=False))
    table_valid = {i for i in range(n) if outcomes[i][0] == "valid"}
    out_rows = {i for i in out_rows if not (apps[owner[i]].in_table and i in table_valid)}

    bad_check_rows = set(int(i) for i in rng.choice(np.arange(n), size=6, replace=False))
    rows = []
    for i in range(n):
        d, ptype, _digit, base = skel[i]
        code, wording, grant, ended = outcomes[i]
        a = outside[int(rng.integers(len(outside)))] if i in out_rows else apps[owner[i]]
        ind = INDUSTRIES[a.industry]
        check = patent_check_digit(base)
        if i in bad_check_rows:
            check = "0123456789X"[("0123456789X".index(check) + 1 + int(rng.integers(9))) % 11]
            app_no = format_number(rng, base, check, grant is not None, "dot")
        else:
            app_no = format_number(rng, base, check, grant is not None)
        codes = ind[{"invention": "ipc", "utility": "um_ipc", "design": "loc"}[ptype]]
        ipc = pick(rng, codes)
        # 分类号 (every IPC code, CNIPA's compact ';'-separated notation) for a third of the patents: the main class
        # and a second code of the industry, chosen from the number (no draw: the rest of the sample stays as it was)
        second = codes[int(base[-2]) % len(codes)]
        pair = ";".join(dict.fromkeys([ipc, second])).replace(" ", "")
        ipc_all = pair if ptype != "design" and int(base[-1]) % 3 == 0 else ""
        r = rng.random()
        label = "" if r < 0.05 else pick(rng, TYPE_LABELS[ptype])
        ecode = a.code if (a.code and rng.random() < (0.85 if a.in_table else 0.6)) else ""
        rows.append(
            dict(
                app_no=app_no,
                title=_title(rng, ind, ptype),
                applicant=a.name,
                app_date=fmt_date(d),
                grant_date=fmt_date(grant),
                type_label=label,
                status=wording,
                ipc=ipc,
                ipc_all=ipc_all,
                enterprise_code=ecode,
                address=written_address(rng, a, d, units),
                _base=base,
                _code=code,
                _ended=ended,
                _type=ptype,
                _app=a.name,
                _unit=a.unit,
            )
        )
    return rows, bad_check_rows


def _with_duplicates(rng, rows: list[dict], bad_check_rows: set[int]) -> tuple[list[dict], int]:
    """~1 % duplicates: the same application again, later in the file, written another way. The rows with them, and
    how many."""
    n = len(rows)
    dup_src = sorted(
        int(i) for i in rng.choice([i for i in range(n) if i not in bad_check_rows], size=int(n * 0.01), replace=False)
    )
    inserts = []
    for i in dup_src:
        src = rows[i]
        base = src["_base"]
        check = patent_check_digit(base)
        for _ in range(20):
            alt = format_number(rng, base, check, bool(src["grant_date"]))
            if alt != src["app_no"]:
                break
        dup = dict(src, app_no=alt)
        if src["_code"] == "valid" and rng.random() < 0.5:
            dup["status"] = pick(rng, ["有效", "专利权维持"])
        inserts.append((int(rng.integers(i + 1, len(rows) + 1)), dup))  # goes before row `pos`: after the original
    keyed = [(k, 1, 0, r) for k, r in enumerate(rows)] + [(pos, 0, j, r) for j, (pos, r) in enumerate(inserts)]
    return [t[3] for t in sorted(keyed, key=lambda t: t[:3])], len(dup_src)


# --------------------------------------------------------------------------- trademarks


def _tm_number(rng, d: date) -> int:
    pts = [
        (2000, 1.3e6),
        (2005, 3.6e6),
        (2010, 6.6e6),
        (2013, 1.1e7),
        (2015, 1.5e7),
        (2017, 2.2e7),
        (2018, 3.0e7),
        (2019, 3.8e7),
        (2020, 4.5e7),
        (2021, 5.5e7),
        (2022, 6.3e7),
        (2023, 7.0e7),
        (2024, 7.6e7),
        (2025, 8.1e7),
        (2026, 8.6e7),
        (2027, 9.0e7),
    ]
    t = d.year + (d.timetuple().tm_yday - 1) / 366
    xs, ys = zip(*pts)
    return int(np.interp(t, xs, ys) * float(rng.uniform(0.985, 1.015)))


def _tm_registered_status(rng, reg: date) -> tuple[date, str, str]:
    """A registered mark's expiry date, status code and written status on AS_OF."""
    exp = add_years(reg, 10)
    code = "valid"
    if exp <= AS_OF:  # first term over: renewed (续展, another 10 years) or lapsed
        if rng.random() < 0.80:
            while exp <= AS_OF:
                exp = add_years(exp, 10)
        else:
            code = "invalid"
    if code == "valid" and rng.random() < 0.012 and (AS_OF - reg).days > 3 * 365:
        code = "invalid"  # 撤销 (three years' non-use) or 注销
    if code == "valid":
        status = pick(rng, ["注册", "已注册", "已注册", "有效"])
    elif exp <= AS_OF:
        status = pick(rng, ["无效", "注销", "无效"])
    else:
        status = pick(rng, ["撤销", "注销", "无效"])
    return exp, code, status


def make_trademarks(rng, registrants: list[Applicant], outside: list[Applicant], units, n_total: int):
    rows = []
    used: set[int] = set()
    years = np.arange(2000, 2027)
    w = np.exp(0.16 * (years - 2000))
    w[-1] *= 10 / 12
    n_reg = n_total - 520
    counts = np.round(w / w.sum() * n_reg).astype(int)
    rw = np.array([a.tm_weight for a in registrants])
    founded = np.array([a.founded for a in registrants])

    def brand():
        k = 2 if rng.random() < 0.7 else 3
        return "".join(pick(rng, BRAND_CHARS) for _ in range(k)) + MARK

    def number(d):
        while True:
            x = _tm_number(rng, d)
            if x not in used:
                used.add(x)
                return str(x)

    recs = []
    for year, n in zip(years.tolist(), counts.tolist()):
        last = AS_OF - timedelta(days=5) if year == 2026 else date(year, 12, 28)
        for _ in range(n):
            recs.append(("reg", rand_date(rng, date(year, 1, 3), last)))
    for _ in range(n_total - len(recs)):
        recs.append(("pending", rand_date(rng, date(2025, 9, 1), AS_OF - timedelta(days=3))))
    recs.sort(key=lambda r: r[1])
    for kind, d in recs:
        if rng.random() < 0.008:
            a = outside[int(rng.integers(len(outside)))]
        else:
            ok = founded <= d.year
            p = np.where(ok, rw, 0.0)
            a = registrants[int(rng.choice(len(registrants), p=p / p.sum()))]
        nice = pick(rng, INDUSTRIES[a.industry]["nice"]) if rng.random() > 0.12 else int(rng.integers(1, 46))
        if a.tm_only and rng.random() < 0.5:
            nice = pick(rng, [29, 30, 31, 32, 33, 35, 43, 25])
        if kind == "pending":
            status, code = pick(rng, ["申请中", "申请中", "等待实质审查"]), "pending"
            reg_no = number(d - timedelta(days=int(rng.integers(0, 60))))
            reg, exp = None, None
        else:
            reg = d
            reg_no = number(d - timedelta(days=int(rng.integers(200, 420))))
            exp, code, status = _tm_registered_status(rng, reg)
        rows.append(
            dict(
                reg_no=reg_no,
                name=brand(),
                nice_class=str(nice),
                registrant=a.name,
                reg_date=fmt_date(reg),
                expiry_date=fmt_date(exp),
                status=status,
                enterprise_code=a.code if (a.code and rng.random() < 0.7) else "",
                address=written_address(rng, a, reg or d, units, no_unit_rate=0.008),
                _code=code,
                _app=a.name,
                _unit=a.unit,
            )
        )
    # Every Nice class appears at least once.
    have = {int(r["nice_class"]) for r in rows}
    missing = [c for c in range(1, 46) if c not in have]
    for c, r in zip(missing, rng.choice(len(rows), size=len(missing), replace=False)):
        rows[int(r)]["nice_class"] = str(c)
    return rows


# --------------------------------------------------------------------------- located small kinds


def location_variety(rng, unit_code: str, units, park: str, parks, *, mode: str, old_ok=False):
    """Location fields for a record in unit_code: mode 'point' (WGS84/GCJ02/empty datum), 'address', 'area'."""
    u = units[unit_code]
    loc = {}
    if mode == "point":
        lon, lat = place(rng, units, unit_code, park)
        r = rng.random()
        if r < 0.1:
            loc.update(lon=f"{lon:.6f}", lat=f"{lat:.6f}", datum="")
        else:
            loc.update(lon=f"{lon:.6f}", lat=f"{lat:.6f}", datum="WGS84")
    elif mode == "address":
        road = unit_road(rng, unit_code)
        if old_ok and u.former and rng.random() < 0.5:
            loc["address"] = f"泰兴市{pick(rng, [n for n, _ in u.former])}{road}{int(rng.integers(1, 300))}号"
        else:
            loc["address"] = f"{pick(rng, CITY_PREFIXES)}{u.name}{road}{int(rng.integers(1, 300))}号"
    else:
        if old_ok and u.former and rng.random() < 0.5:
            loc["area_name"] = pick(rng, [n for n, _ in u.former])
        elif rng.random() < 0.15:
            loc["area_code"] = unit_code
        else:
            loc["area_name"] = pick(rng, [u.name, u.name, u.short])
    if park:
        loc["park_name"] = parks[park].name
    return loc


def sample_contact(i: int, listed: bool) -> dict:
    """A fictional contact for two in three 规上/高企 enterprises (the 消零 worklists' columns, masked for viewers),
    drawn from the index, not from the random stream, so every other sample value stays as it was. The numbers have a
    0 where a local number begins (no fixed line in China starts so): they cannot reach anyone."""
    if not listed or i % 3 == 0:
        return {"contact": "", "phone": ""}
    return {"contact": f"{SURNAMES[i % len(SURNAMES)]}某{MARK}", "phone": f"0523-0{i * 7919 % 10_000_000:07d}"}


def make_enterprises(rng, table, flags, units, parks, patents, trademarks):
    held_p: dict[str, set] = {}
    for r in patents:
        if r["_code"] == "valid":
            held_p.setdefault(r["_app"], set()).add(r["_base"])
    held_t: dict[str, int] = {}
    for r in trademarks:
        if r["_code"] == "valid":
            held_t[r["_app"]] = held_t.get(r["_app"], 0) + 1
    rows = []
    for i, a in enumerate(table):
        lon, lat = place(rng, units, a.unit, a.park)
        r = rng.random()
        datum = "WGS84" if r < 0.7 else ("" if r < 0.9 else "CGCS2000")
        ind = INDUSTRIES[a.industry]
        rows.append(
            dict(
                credit_code=a.code,
                name=a.name,
                industry=next((hy for w, hy in HY_BY_WORD.items() if w in a.name), None) or pick(rng, ind["hy"]),
                above_scale=yes(i in flags["above"]),
                high_tech=yes(i in flags["ht"]),
                gb_filed=yes(i in flags["gb_filed"]),
                gb_passed=yes(i in flags["gb_passed"]),
                advantage=flags["advantage"].get(i, ""),
                ip_intensive=yes(i in flags["intensive"]),
                patent_standard=yes(i in flags["standard"]),
                patents_held=str(len(held_p.get(a.name, ()))),
                trademarks_held=str(held_t.get(a.name, 0)),
                **sample_contact(i, i in flags["above"] or i in flags["ht"]),
                area_name=units[a.unit].name if rng.random() < 0.4 else "",
                park_name=parks[a.park].name if a.park else "",
                address=canonical_address(a, units),
                lon=f"{lon:.6f}",
                lat=f"{lat:.6f}",
                datum=datum,
                _unit=a.unit,
                _founded=a.founded,
            )
        )
    return rows


def make_workstations(rng, units, parks, park_unit, table, namer):
    plan = {  # unit code -> number of stations; none in 分界镇, 根思乡, 河失镇
        "321283100": 5,
        "321283002": 4,
        "321283001": 4,
        "321283123": 4,
        "321283124": 2,
        "321283003": 2,
        "321283102": 2,
        "321283104": 1,
        "321283105": 1,
        "321283106": 1,
        "321283108": 1,
        "321283109": 1,
        "321283113": 1,
        "321283115": 1,
    }
    assert not set(plan) & set(NO_WORKSTATION)
    types = ["知识产权工作站"] * 14 + ["商标品牌指导站"] * 8 + ["维权援助工作站"] * 5 + ["专利导航服务站"] * 3
    types = [types[int(i)] for i in rng.permutation(len(types))]
    hosts_by_unit: dict[str, list[Applicant]] = {}
    for a in table:
        hosts_by_unit.setdefault(a.unit, []).append(a)
    rows = []
    k = 0
    unit_park = {v: p for p, v in park_unit.items()}
    for code, cnt in plan.items():
        u = units[code]
        for j in range(cnt):
            st = types[k]
            k += 1
            park = unit_park.get(code, "") if (j == 0 and code in unit_park) else ""
            if st == "维权援助工作站" or rng.random() < 0.3:
                host = f"{u.name}人民政府{MARK}" if not park else f"{parks[park].name}管理委员会{MARK}"
            else:
                host = pick(rng, hosts_by_unit.get(code) or table).name
            where = parks[park].name if park else u.name
            name = f"{where}{st}{MARK}" if j == 0 or park else f"{where}{st}（第{CN_NUM[j]}站）{MARK}"
            lon, lat = place(rng, units, code, park)
            gcj = k % 3 == 0
            if gcj:
                lon, lat = to_gcj(lon, lat)
            est = rand_date(rng, date(2019, 3, 1), date(2026, 9, 30))
            row = dict(
                station_id=f"GZZ-{k:03d}",
                name=name,
                station_type=st,
                host=host,
                established=fmt_date(est),
                status="撤销" if k == 17 else pick(rng, ["运行", "运行", ""]),
                contact=namer.person(),
                lon=f"{lon:.6f}",
                lat=f"{lat:.6f}",
                datum="GCJ02" if gcj else "WGS84",
                park_name=parks[park].name if park else "",
                _unit=code,
            )
            if rng.random() < 0.4:
                row["address"] = f"泰兴市{u.name}{unit_road(rng, code)}{int(rng.integers(1, 300))}号"
            rows.append(row)
    return rows


CAUSES = {
    "查处": {
        "商标": [
            "销售侵犯注册商标专用权的商品",
            "在同一种商品上使用与他人注册商标相同的商标",
            "商标印制侵权",
            "冒充注册商标",
            "违反商标使用管理规定",
        ],
        "专利": ["假冒专利", "专利标识标注不规范", "冒用专利号进行宣传"],
        "地理标志": ["擅自使用地理标志", "地理标志专用标志使用不规范"],
        "其他": ["仿冒他人有一定影响的商品名称", "侵犯商业秘密"],
    },
    "调解": {
        "专利": ["专利侵权纠纷", "专利权属纠纷", "专利实施许可合同纠纷", "职务发明报酬纠纷"],
        "商标": ["商标侵权纠纷", "商标许可使用合同纠纷"],
        "地理标志": ["地理标志使用纠纷"],
        "其他": ["技术合同纠纷", "商业秘密纠纷"],
    },
}


def make_cases(rng, units, parks, namer):
    codes = list(units)
    w = np.array([units[c].weight / INDUSTRY_BOOST.get(c, 1.0) for c in codes])  # by population
    rows = []
    plan = [
        ("查处", 2023, 44),
        ("查处", 2024, 56),
        ("查处", 2025, 60),
        ("查处", 2026, 40),
        ("调解", 2023, 20),
        ("调解", 2024, 26),
        ("调解", 2025, 30),
        ("调解", 2026, 24),
    ]
    recs = []
    for kind, year, n in plan:
        last = AS_OF - timedelta(days=2) if year == 2026 else date(year, 12, 30)
        for _ in range(n):
            recs.append((kind, rand_date(rng, date(year, 1, 4), last)))
    recs.sort(key=lambda r: (r[0], r[1]))
    # Enforcement: 176 of 200 closed (88 %), the open ones mostly recent; a few transferred.
    enf = [i for i, r in enumerate(recs) if r[0] == "查处"]
    age = np.array([(AS_OF - recs[i][1]).days for i in enf], dtype=float)
    p_open = np.where(age < 120, 6.0, np.where(age < 400, 1.0, 0.15))
    not_closed = [enf[int(j)] for j in rng.choice(len(enf), size=24, replace=False, p=p_open / p_open.sum())]
    transferred = set(not_closed[:5])
    accepted_only = {i for i in not_closed[5:] if (AS_OF - recs[i][1]).days < 60}
    # Mediation: 90 of 100 successful; 3 of the 10 others in 2023, so the rate since 2024 is 73/80.
    med = [i for i, r in enumerate(recs) if r[0] == "调解"]
    med23 = [i for i in med if recs[i][1].year == 2023]
    med24 = [i for i in med if recs[i][1].year >= 2024]
    recent = sorted(med24, key=lambda i: recs[i][1])[-2:]
    others = [int(x) for x in rng.choice(med23, 3, replace=False)]
    others += recent + [int(x) for x in rng.choice([i for i in med24 if i not in recent], 5, replace=False)]
    med_status = {}
    for j, i in enumerate(others):
        med_status[i] = ("办理中", "") if i in recent else (("撤回", "") if j in (1, 4) else ("已结案", "调解不成"))
    seq = {}
    for i, (kind, d) in enumerate(recs):
        seq[(kind, d.year)] = seq.get((kind, d.year), 0) + 1
        unit = pick(rng, codes, w)
        ip_type = pick(
            rng,
            ["商标", "专利", "地理标志", "其他"],
            [0.62, 0.26, 0.06, 0.06] if kind == "查处" else [0.55, 0.33, 0.04, 0.08],
        )
        cause = pick(rng, CAUSES[kind][ip_type])
        if kind == "查处":
            party = (
                namer.small(["商行", "超市", "五金店", "副食品店", "服装店", "贸易有限公司", "日用品商店"])
                if rng.random() < 0.75
                else namer.person()
            )
            if i in transferred:
                status, outcome, closed = "移送", "移送公安机关", None
            elif i in not_closed:
                status, outcome, closed = ("受理" if i in accepted_only else "办理中"), "", None
            else:
                status = "已结案"
                outcome = pick(rng, ["行政处罚", "行政处罚", "行政处罚", "责令整改", "不予处罚"])
                closed = min(d + timedelta(days=int(rng.integers(20, 170))), AS_OF - timedelta(days=1))
            no = f"泰兴知查〔{d.year}〕{seq[(kind, d.year)]:03d}号"
        else:
            party = f"{namer.company(pick(rng, IND_KEYS))}与{namer.small(['商行', '贸易有限公司', '科技有限公司'])}"
            status, outcome = med_status.get(i, ("已结案", "调解成功"))
            closed = (
                min(d + timedelta(days=int(rng.integers(5, 60))), AS_OF - timedelta(days=1))
                if status == "已结案"
                else None
            )
            no = f"泰兴知调〔{d.year}〕{seq[(kind, d.year)]:03d}号"
        r = rng.random()
        mode = "point" if r < 0.5 else ("address" if r < 0.75 else "area")
        loc = location_variety(rng, unit, units, "", parks, mode=mode, old_ok=rng.random() < 0.12)
        rows.append(
            dict(
                case_no=no,
                case_kind=kind,
                ip_type=ip_type,
                cause=cause,
                accepted_date=fmt_date(d),
                status=status,
                closed_date=fmt_date(closed),
                outcome=outcome,
                party=party,
                _unit=unit,
                **loc,
            )
        )
    return rows


def make_pledges(rng, table, flags, units, parks):
    cands = [i for i, a in enumerate(table) if i not in flags["zero"]]
    w = np.array([table[i].weight for i in cands])
    plan = [(2022, 10), (2023, 12), (2024, 18), (2025, 22), (2026, 18)]
    recs = []
    for year, n in plan:
        last = AS_OF - timedelta(days=4) if year == 2026 else date(year, 12, 28)
        recs += [rand_date(rng, date(year, 1, 5), last) for _ in range(n)]
    recs.sort()
    amounts = np.exp(rng.normal(np.log(1800), 0.85, size=len(recs)))
    since = np.array([d >= date(2024, 1, 1) for d in recs])
    amounts[since] *= 174800 / amounts[since].sum()  # 17.48 亿元 since 2024-01-01 (G12 20 亿 not met)
    amounts = np.maximum(np.round(amounts / 10) * 10, 50)
    banks = [
        f"泰兴示例农村商业银行{MARK}",
        f"示例银行泰兴支行{MARK}",
        f"江苏示例银行泰兴支行{MARK}",
        f"示例商业银行泰州分行{MARK}",
        f"泰兴示例融资担保有限公司{MARK}",
    ]
    rows = []
    for k, (d, amt) in enumerate(zip(recs, amounts)):
        a = table[cands[int(rng.choice(len(cands), p=w / w.sum()))]]
        loc = {}
        r = rng.random()
        if r < 0.55:
            loc["address"] = canonical_address(a, units)
        elif r < 0.9:
            loc["area_name"] = units[a.unit].name
        if a.park and rng.random() < 0.6:
            loc["park_name"] = parks[a.park].name
        rows.append(
            dict(
                pledge_id=f"Y{d.year}32128300{k + 1:03d}",
                pledgor=a.name,
                ip_type=pick(rng, ["专利", "专利", "专利", "商标", "混合"]),
                amount_wan=f"{amt:.0f}",
                date=fmt_date(d),
                pledgee=pick(rng, banks),
                _unit=a.unit,
                **loc,
            )
        )
    return rows


def make_trainings(rng, units, parks):
    plan = [
        ("2023-04-18", "高管"),
        ("2023-07-06", "工程师"),
        ("2023-09-21", "其他"),
        ("2023-11-15", "工程师"),
        ("2024-03-28", "高管"),
        ("2024-05-16", "工程师"),
        ("2024-06-20", "其他"),
        ("2024-07-11", "工程师"),
        ("2024-09-05", "高管"),
        ("2024-10-24", "工程师"),
        ("2024-11-28", "工程师"),
        ("2024-12-12", "高管"),
        ("2025-03-20", "工程师"),
        ("2025-04-24", "高管"),
        ("2025-05-29", "工程师"),
        ("2025-06-26", "其他"),
        ("2025-08-14", "工程师"),
        ("2025-09-18", "高管"),
        ("2025-11-06", "工程师"),
        ("2025-12-04", "工程师"),
        ("2026-03-26", "高管"),
        ("2026-04-23", "工程师"),
        ("2026-06-18", "工程师"),
        ("2026-09-10", "高管"),
        ("2026-10-15", "其他"),
    ]
    titles = {
        "高管": ["企业知识产权高管培训班", "知识产权战略与管理高级研修班", "企业知识产权总监研修班"],
        "工程师": [
            "知识产权工程师实务培训",
            "专利挖掘与布局实务培训",
            "企业知识产权管理规范（贯标）内审员培训",
            "专利导航实务培训",
        ],
        "其他": ["商标品牌建设专题讲座", "知识产权保护进企业宣讲会"],
    }
    organisers = [
        f"泰兴市市场监督管理局（知识产权局）{MARK}",
        f"泰兴示例知识产权服务有限公司{MARK}",
        f"泰兴市示例知识产权协会{MARK}",
    ]
    att = np.array([float(rng.integers(8, 26)) for _ in plan])
    since = np.array([p[0] >= "2024-01-01" for p in plan])
    key = np.array([p[1] in ("高管", "工程师") for p in plan])
    # 高管 + 工程师 since 2024: 262 人次; all audiences since 2024: 284 (G16 300 not met either way).
    for mask, target in ((since & key, 262), (since & ~key, 22)):
        v = att[mask] * target / att[mask].sum()
        fl = np.floor(v)
        rest = int(target - fl.sum())
        fl[np.argsort(-(v - fl))[:rest]] += 1
        att[mask] = fl
    codes = ["321283002", "321283001", "321283100", "321283123", "321283124", "321283003", "321283102"]
    rows = []
    for k, ((d, aud), n) in enumerate(zip(plan, att)):
        loc = {}
        r = rng.random()
        if r < 0.25:
            loc["park_name"] = pick(rng, [p.name for p in parks.values()])
        elif r < 0.85:
            loc["area_name"] = units[pick(rng, codes, [4, 2, 2, 1.5, 1, 1, 1])].name
        title = f"{pick(rng, titles[aud])}（{d[:4]}年第{k % 4 + 1}期）{MARK}"
        rows.append(
            dict(
                training_id=f"PX{d[:4]}-{k + 1:02d}",
                date=d,
                title=title,
                audience=aud,
                attendees=str(int(n)),
                organiser=pick(rng, organisers, [3, 1, 1]),
                **loc,
            )
        )
    return rows


def make_service_orgs(rng, units, namer):
    kinds = ["代理"] * 12 + ["律所"] * 6 + ["运营"] * 5 + ["评估"] * 3 + ["其他"]
    names = {
        "代理": ["专利代理事务所（普通合伙）", "知识产权代理有限公司", "商标代理有限公司"],
        "律所": ["律师事务所"],
        "运营": ["知识产权运营有限公司", "技术转移服务有限公司"],
        "评估": ["资产评估有限公司"],
        "其他": ["知识产权咨询有限公司"],
    }
    codes = ["321283002", "321283001", "321283003", "321283100", "321283123"]
    rows = []
    for k, kind in enumerate(kinds):
        unit = pick(rng, codes, [5, 4, 1, 1, 1])
        core = pick(rng, namer.cores)
        name = f"泰兴示例{core}{pick(rng, names[kind])}{MARK}"
        while name in namer.used:
            name = f"泰兴示例{pick(rng, namer.cores)}{pick(rng, names[kind])}{MARK}"
        namer.used.add(name)
        dept = "31" if kind == "律所" else "91"
        org_id = uscc(dept, "321283", f"YB9{k + 1:05d}")
        row = dict(
            org_id=org_id,
            name=name,
            org_type=kind,
            status="注销" if k == 20 else pick(rng, ["在营", "在营", ""]),
            address=f"{pick(rng, CITY_PREFIXES)}{units[unit].name}{unit_road(rng, unit)}{int(rng.integers(1, 300))}号",
            _unit=unit,
        )
        if rng.random() < 0.5:
            lon, lat = point_in(rng, units[unit].poly)
            row.update(lon=f"{lon:.6f}", lat=f"{lat:.6f}", datum="WGS84")
        rows.append(row)
    return rows


def make_network(rng, units, parks):
    rows = []
    gaps = {
        "321283200": dict(has_office="否", office_name="", staff="", fund_wan=""),  # 根思乡: nothing
        "321283112": dict(has_office="否", office_name="", staff="0", fund_wan="5"),  # 河失镇
        "321283101": dict(fund_wan=""),  # 分界镇: no fund
        "321283104": dict(staff=""),  # 元竹镇: staff unknown
    }
    for k, (code, u) in enumerate(units.items()):
        big = u.weight > 8
        row = dict(
            area=u.name if k % 6 else code,
            has_office="是",
            office_name=f"{u.name}知识产权工作办公室{MARK}",
            staff=str(int(rng.integers(2, 5) if big else rng.integers(1, 3))),
            fund_wan=str(int(rng.integers(20, 60) if big else rng.integers(5, 20))),
            pilot_level="",
            evidence="样例数据",
            _code=code,
            _big=big,
        )
        row.update(gaps.get(code, {}))
        rows.append(row)
    levels = {"P01": "省", "P02": "", "P03": "", "P04": ""}
    for pc, p in parks.items():
        row = dict(
            area=p.name if pc != "P03" else pc,
            has_office="是" if pc != "P04" else "否",
            office_name=f"{p.name}知识产权服务中心{MARK}" if pc != "P04" else "",
            staff=str(int(rng.integers(1, 4))) if pc != "P04" else "",
            fund_wan=str(int(rng.integers(20, 80))) if pc != "P04" else "",
            pilot_level=levels[pc],
            evidence="样例数据",
            _code=pc,
        )
        rows.append(row)
    return rows


# --------------------------------------------------------------------------- baseline (基期) snapshot
#
# The state on BASELINE (2023-12-31, the eve of the 2024-2026 plan) of the same world: the same applications, marks,
# firms, stations, organisations and units, each as an office's export of that day would have listed it. Derived from
# the current rows and the dates the generator drew for them; where the generator drew no date (a mark revoked for
# non-use, an old patent made invalid without one), a date is drawn here from a stream of its own, so the current files
# stay as they were. The dated ledgers (cases, pledges, trainings, manual figures) and the yearly statistics have no
# baseline file: their current file holds the earlier rows.


def _between(rng, start: date, end: date) -> date:
    return rand_date(rng, start, end) if end > start else start


def _patent_state_on(rng, r: dict, day: date) -> tuple[str, str | None, bool]:
    """(status code, written status or None to keep the row's own, granted by then) of a patent row on ``day``."""
    d = date.fromisoformat(r["app_date"])
    grant = date.fromisoformat(r["grant_date"]) if r["grant_date"] else None
    code = r["_code"]
    decided = grant or r["_ended"]  # a rejection's decision date is the day it ended
    if code == "pending" or (decided is not None and decided > day):
        if code == "pending":
            return "pending", None, False
        if r["_type"] == "invention":
            age = (day - d).days / 365.25
            w = (
                pick(rng, ["审中", "公开", "审中"])
                if age < 1.5
                else pick(rng, ["实质审查", "实质审查", "审中", "等待实审"])
            )
        else:
            w = "审中"
        return "pending", w, False
    if grant is None:  # rejected or withdrawn on or before the day
        return "invalid", None, False
    ended = r["_ended"] if code == "invalid" else None
    if code == "invalid" and ended is None:  # lapsed on a day the generator did not draw: between grant and AS_OF
        ended = _between(rng, grant + timedelta(days=1), AS_OF)
    if ended is not None and ended <= day:
        return "invalid", None, True
    if code == "valid":
        return "valid", None, True
    if (day - grant).days < 365 and rng.random() < 0.5:
        return "valid", "授权", True
    return "valid", pick(rng, ["有效", "专利权维持", "授权"], [0.5, 0.35, 0.15]), True


def baseline_patents(rng, patents: list[dict], day: date) -> list[dict]:
    """Applications filed on or before ``day`` with their legal status then (granted by then: 有效 unless lapsed by
    then; not yet decided or granted: 审中; rejected, withdrawn or lapsed by then: 失效). A later grant's date is left
    out and a ZL prefix (a granted patent's number) becomes CN. A row repeated in the current file is repeated here."""
    state: dict[str, tuple] = {}
    rows = []
    for r in patents:
        if r["app_date"] > day.isoformat():
            continue
        if r["_base"] not in state:
            state[r["_base"]] = _patent_state_on(rng, r, day)
        code, wording, granted = state[r["_base"]]
        row = dict(r, _code=code)
        if wording is not None:
            row["status"] = wording
        if not granted:
            row["grant_date"] = ""
            if row["app_no"].startswith("ZL"):
                row["app_no"] = "CN" + row["app_no"][2:]
        rows.append(row)
    return rows


def _term_on(reg: date, day: date) -> date:
    """The end of the ten-year term (renewals included) a mark registered on ``reg`` is in on ``day``."""
    exp = add_years(reg, 10)
    while exp <= day:
        exp = add_years(exp, 10)
    return exp


def baseline_trademarks(rng, trademarks: list[dict], day: date) -> list[dict]:
    """Marks registered on or before ``day`` with their status then (a term that ended unrenewed by then, or a
    revocation by then: invalid), and marks registered within 200 days after it: filed before it (the generator files
    a mark 200-420 days before its registration), so 申请中 then, with no registration or expiry date."""
    rows = []
    soon = day + timedelta(days=200)
    for r in trademarks:
        if not r["reg_date"]:
            continue  # pending now: filed in 2025-2026
        reg = date.fromisoformat(r["reg_date"])
        exp_now = date.fromisoformat(r["expiry_date"])
        if reg > soon:
            continue
        if reg > day:
            status = pick(rng, ["申请中", "申请中", "等待实质审查"])
            rows.append(dict(r, reg_date="", expiry_date="", status=status, _code="pending"))
            continue
        ended = None
        if r["_code"] == "invalid":
            # Unrenewed: ended with its first term (the expiry written); else revoked or cancelled, not dated: a day
            # drawn after three years of registration (the non-use rule) and before AS_OF.
            ended = exp_now if exp_now <= AS_OF else _between(rng, add_years(reg, 3), AS_OF)
        code = "invalid" if ended is not None and ended <= day else "valid"
        exp = min(_term_on(reg, min(day, ended or day)), exp_now)
        row = dict(r, expiry_date=fmt_date(exp), _code=code)
        if code != r["_code"]:
            row["status"] = pick(rng, ["注册", "已注册", "已注册", "有效"])
        rows.append(row)
    return rows


def _kept(rng, members: list[int], share: float) -> set[int]:
    """A fixed draw of round(share * n) of ``members``."""
    k = int(round(share * len(members)))
    return {int(i) for i in rng.choice(members, size=k, replace=False)} if k else set()


# Share of today's holders of a flag that held it at the baseline (sample assumption: the plan years added the rest).
BASELINE_FLAG_SHARE = {
    "high_tech": 0.86,
    "above_scale": 0.95,
    "gb_filed": 0.72,
    "gb_passed": 0.52,
    "ip_intensive": 0.55,
    "patent_standard": 0.62,
    "provincial": 0.7,
}
FLAG_LABELS = {
    "high_tech": "高企",
    "above_scale": "规上",
    "gb_filed": "贯标备案",
    "gb_passed": "贯标绩效评价合格",
    "ip_intensive": "密集型",
    "patent_standard": "专利标准融合",
    "provincial": "省级优势/示范",
}
BASELINE_NATIONAL = 4  # 国家知识产权优势/示范 firms at the baseline (7 today)


def _baseline_flags(rng, ents: list[dict]) -> dict[str, set[int]]:
    """Which of the baseline's firms (indexes into ``ents``) held each flag then: a subset of today's holders, so a
    flag is never lost; 国家知识产权优势/示范 firms and 知识产权密集型 firms were high-tech then too, and a firm that
    passed the 贯标 evaluation had filed."""

    def holders(field: str, value=("是",)) -> list[int]:
        return [i for i, r in enumerate(ents) if r[field] in value]

    sh = BASELINE_FLAG_SHARE
    national_now = [i for i, r in enumerate(ents) if r["advantage"].startswith("国家")]
    # In file order the two 示范 firms come first (assign_enterprise_flags): they and the next two 优势 firms.
    national = set(national_now[:BASELINE_NATIONAL])
    provincial = _kept(rng, [i for i, r in enumerate(ents) if r["advantage"].startswith("省")], sh["provincial"])
    provincial |= set(national_now) - national  # a national firm of today was a provincial one then
    intensive = _kept(rng, holders("ip_intensive"), sh["ip_intensive"])
    must_ht = national | (intensive & set(holders("high_tech")))
    ht = must_ht | _kept(rng, sorted(set(holders("high_tech")) - must_ht), sh["high_tech"])
    passed = _kept(rng, holders("gb_passed"), sh["gb_passed"])
    filed = passed | _kept(rng, sorted(set(holders("gb_filed")) - set(holders("gb_passed"))), sh["gb_filed"])
    return dict(
        high_tech=ht,
        above_scale=_kept(rng, holders("above_scale"), sh["above_scale"]),
        gb_filed=filed,
        gb_passed=passed,
        ip_intensive=intensive,
        patent_standard=_kept(rng, holders("patent_standard"), sh["patent_standard"]),
        national=national,
        provincial=provincial,
    )


def baseline_enterprises(rng, enterprises: list[dict], patents: list[dict], trademarks: list[dict], day: date):
    """The firms founded by ``day``'s year, with their flags then (_baseline_flags) and 有效专利数/有效商标数 counted
    from the baseline's patents and marks as make_enterprises counts them from today's."""
    ents = [r for r in enterprises if r["_founded"] <= day.year]
    flags = _baseline_flags(rng, ents)
    held_p: dict[str, set] = {}
    for r in patents:
        if r["_code"] == "valid":
            held_p.setdefault(r["_app"], set()).add(r["_base"])
    held_t: dict[str, int] = {}
    for r in trademarks:
        if r["_code"] == "valid":
            held_t[r["_app"]] = held_t.get(r["_app"], 0) + 1
    rows = []
    for i, r in enumerate(ents):
        adv = r["advantage"] if i in flags["national"] else ""
        if i in flags["provincial"]:
            adv = r["advantage"] if r["advantage"].startswith("省") else "省知识产权示范企业"
        rows.append(
            dict(
                r,
                **{k: yes(i in flags[k]) for k in BASELINE_FLAG_SHARE if k != "provincial"},
                advantage=adv,
                patents_held=str(len(held_p.get(r["name"], ()))),
                trademarks_held=str(held_t.get(r["name"], 0)),
            )
        )
    return rows


def baseline_workstations(rng, stations: list[dict], day: date) -> list[dict]:
    """Stations set up by ``day``: the one 撤销 since was running then, and one running today was 停运 then."""
    rows = [dict(r) for r in stations if r["established"] <= day.isoformat()]
    for r in rows:
        if r["status"] == "撤销":
            r["status"] = "运行"
    resumed = [i for i, r in enumerate(rows) if r["status"] in ("", "运行")]
    rows[int(rng.choice(resumed))]["status"] = "停运"
    return rows


BASELINE_NEW_ORGS = 8  # service organisations taken as set up after the baseline


def baseline_service_orgs(rng, orgs: list[dict]) -> list[dict]:
    """The sample's organisations carry no establishment date. Rule: a fixed draw (this stream) of BASELINE_NEW_ORGS
    of those in business today were set up in 2024-2026; the rest existed at the baseline, all in business then (the
    one 注销 today closed since)."""
    open_now = [i for i, r in enumerate(orgs) if r["status"] != "注销"]
    new = {int(i) for i in rng.choice(open_now, size=BASELINE_NEW_ORGS, replace=False)}
    return [
        dict(r, status="在营" if r["status"] == "注销" else r["status"]) for i, r in enumerate(orgs) if i not in new
    ]


# Units whose office was set up after the baseline, in 2024-2026 (sample assumption; each has one today): 分界镇,
# 珊瑚镇, 曲霞镇, 张桥镇, 宣堡镇 and 黄桥经济开发区's service centre.
BASELINE_NO_OFFICE = ("321283101", "321283105", "321283108", "321283109", "321283115", "P02")


def _smaller_fund(rng, fund: str) -> str:
    """About 55-85 % of today's fund (万元), at least 3; unknown stays unknown."""
    return str(max(int(round(int(fund) * rng.uniform(0.55, 0.85))), 3)) if fund else ""


def baseline_network(rng, network: list[dict]) -> list[dict]:
    """The three-tier network then: no office and no staff in BASELINE_NO_OFFICE (nor where there is none today) and
    no fund where the office came later, fewer staff in about half the others, smaller funds everywhere, no park at
    provincial level yet (泰兴经济开发区 was a 市级 pilot)."""
    rows = []
    for r in network:
        row = dict(r)
        staff = r["staff"]
        if r["_code"] in BASELINE_NO_OFFICE:
            row.update(has_office="否", office_name="", staff="0", fund_wan="0")
        else:
            if staff and int(staff) > 1 and rng.random() < 0.5:
                row["staff"] = str(int(staff) - 1)
            row["fund_wan"] = _smaller_fund(rng, r["fund_wan"])
        if r["pilot_level"] == "省":
            row["pilot_level"] = "市"
        rows.append(row)
    return rows


def build_baseline(tables: dict, rng_for) -> dict[str, list[dict]]:
    """The baseline snapshot (one list of rows per kind of sample.SAMPLE_BASELINE_KINDS) of the tables ``build``
    made, each kind from a random stream of its own (20, 21, ...: the current tables' streams are untouched)."""
    patents = baseline_patents(rng_for(20), tables["patents"], BASELINE)
    trademarks = baseline_trademarks(rng_for(21), tables["trademarks"], BASELINE)
    return {
        "patents": patents,
        "trademarks": trademarks,
        "enterprises": baseline_enterprises(rng_for(22), tables["enterprises"], patents, trademarks, BASELINE),
        "workstations": baseline_workstations(rng_for(23), tables["workstations"], BASELINE),
        "service_orgs": baseline_service_orgs(rng_for(24), tables["service_orgs"]),
        "network": baseline_network(rng_for(25), tables["network"]),
    }


# --------------------------------------------------------------------------- write


def to_csv(kind_name: str, rows: list[dict]) -> bytes:
    """UTF-8 with BOM (like data/templates/, so Excel opens it), header = schema.all_headers; '_' keys are internal."""
    kind = schema.KINDS[kind_name]
    names = [f.name for f in schema.input_fields(kind)]
    unknown = {k for r in rows for k in r if not k.startswith("_")} - set(names)
    if unknown:
        raise SystemExit(f"{kind_name}: fields not in txip_geo.schema: {sorted(unknown)}")
    buf = io.StringIO()
    buf.write("\ufeff")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(schema.all_headers(kind))
    for r in rows:
        w.writerow([r.get(n, "") for n in names])
    return buf.getvalue().encode("utf-8")


def build() -> tuple[dict[str, list[dict]], dict]:
    gaz, units, parks, park_unit, place_words = load_context()

    def rng_for(i: int):
        return np.random.default_rng([SEED, i])

    namer = Namer(rng_for(0), place_words)
    table, extras, tm_only, outside = make_applicants(rng_for(1), units, parks, park_unit, namer)
    flags = assign_enterprise_flags(rng_for(2), table)
    patent_apps = table + extras
    balance_by_unit(patent_apps, {c: u.weight for c, u in units.items()})
    assign_former_towns(table + extras + tm_only, units)
    patents, pmeta = make_patents(rng_for(3), patent_apps, outside, units, total_new=17200)
    # Trademarks: a flatter tail than patents, consumer-facing firms file more, spread by population.
    for a in table + extras + tm_only:
        base = a.weight if a.tm_only else 0.3 + a.weight**0.5
        a.tm_weight = base * (1.8 if a.industry in ("food", "agri") else 1.0)
    registrants = [a for a in table + extras + tm_only if a.unit != NO_TRADEMARK]
    balance_by_unit(registrants, {c: u.weight / INDUSTRY_BOOST.get(c, 1.0) for c, u in units.items()}, "tm_weight")
    trademarks = make_trademarks(rng_for(4), registrants, outside, units, n_total=14000)
    enterprises = make_enterprises(rng_for(5), table, flags, units, parks, patents, trademarks)
    tables = {
        "patents": patents,
        "trademarks": trademarks,
        "workstations": make_workstations(rng_for(6), units, parks, park_unit, table, namer),
        "cases": make_cases(rng_for(7), units, parks, namer),
        "enterprises": enterprises,
        "pledges": make_pledges(rng_for(8), table, flags, units, parks),
        "trainings": make_trainings(rng_for(9), units, parks),
        "service_orgs": make_service_orgs(rng_for(10), units, namer),
        "network": make_network(rng_for(11), units, parks),
    }
    valid_tm = sum(1 for r in trademarks if r["_code"] == "valid" and r["_unit"])
    market = int(round(valid_tm * 10000 / 655, -2))  # G05 just under 660
    # Several years of the market-entity count, so dated views (--as-of) pick the year on or before their date:
    # 2025 keeps G05 just under 660; the years before grow about 6 % a year (sample, not real statistics).
    years = {2025: market}
    for y in (2024, 2023):
        years[y] = int(round(years[y + 1] / 1.06, -2))
    tables["statistics"] = [
        dict(code="321283", year=str(y), measure="市场主体户数", value=str(years[y]), source="样例数据（非真实统计）")
        for y in sorted(years)
    ]
    tables["manual"] = [
        dict(
            goal_id="M01",
            value="",
            done="是",
            evidence="样例：联盟章程",
            entered_by=f"市知识产权局{MARK}",
            entered_on="2026-10-20",
        ),
        dict(
            goal_id="M02",
            value="",
            done="否",
            evidence="样例：分中心筹建中，尚未挂牌",
            entered_by=f"市知识产权局{MARK}",
            entered_on="2026-10-20",
        ),
    ]
    meta = dict(pmeta)
    meta["summary"] = summarise(tables, units)
    meta["baseline"] = build_baseline(tables, rng_for)
    names = {**{c: u.name for c, u in units.items()}, **{c: p.name for c, p in parks.items()}}
    meta["baseline_summary"] = summarise_baseline(meta["baseline"], tables, names)
    return tables, meta


def summarise(t: dict, units) -> dict:
    pats = t["patents"]
    uniq = {}
    for r in pats:
        uniq.setdefault(r["_base"], r)
    # Goal figures count Taixing only: applicants outside the city (about 1 % of rows) are left out.
    vinv = [r for r in uniq.values() if r["_code"] == "valid" and r["_type"] == "invention" and r["_unit"]]
    old = AS_OF.replace(year=AS_OF.year - 10).isoformat()
    ent = t["enterprises"]
    ht = [r for r in ent if r["high_tech"] == "是"]
    s = {
        "patent_rows": len(pats),
        "patents_unique": len(uniq),
        "inventions": sum(r["_type"] == "invention" for r in uniq.values()),
        "utility": sum(r["_type"] == "utility" for r in uniq.values()),
        "design": sum(r["_type"] == "design" for r in uniq.values()),
        "pct": sum(r["_base"][4] in "89" for r in uniq.values() if len(r["_base"]) == 12),
        "old_format": sum(len(r["_base"]) == 8 for r in uniq.values()),
        "valid_inventions": len(vinv),
        "valid_inventions_over_10y": sum(r["app_date"] < old for r in vinv),
        "patents_valid": sum(r["_code"] == "valid" for r in uniq.values()),
        "patents_pending": sum(r["_code"] == "pending" for r in uniq.values()),
        "patents_invalid": sum(r["_code"] == "invalid" for r in uniq.values()),
        "trademarks": len(t["trademarks"]),
        "trademarks_valid": sum(r["_code"] == "valid" and bool(r["_unit"]) for r in t["trademarks"]),
        "trademarks_pending": sum(r["_code"] == "pending" for r in t["trademarks"]),
        "enterprises": len(ent),
        "above_scale": sum(r["above_scale"] == "是" for r in ent),
        "high_tech": len(ht),
        "ht_gb_filed": sum(r["gb_filed"] == "是" for r in ht),
        "gb_passed": sum(r["gb_passed"] == "是" for r in ent),
        "national_advantage": sum(r["advantage"].startswith("国家") for r in ent),
        "intensive": sum(r["ip_intensive"] == "是" for r in ent),
        "patent_standard": sum(r["patent_standard"] == "是" for r in ent),
        "above_scale_zero_patents": sum(r["above_scale"] == "是" and r["patents_held"] == "0" for r in ent),
        "high_tech_zero_patents": sum(r["high_tech"] == "是" and r["patents_held"] == "0" for r in ent),
        "pledge_wan_since_2024": sum(float(r["amount_wan"]) for r in t["pledges"] if r["date"] >= "2024-01-01"),
        "training_key_since_2024": sum(
            int(r["attendees"])
            for r in t["trainings"]
            if r["date"] >= "2024-01-01" and r["audience"] in ("高管", "工程师")
        ),
        "training_all_since_2024": sum(int(r["attendees"]) for r in t["trainings"] if r["date"] >= "2024-01-01"),
        "service_orgs_active": sum(r["status"] != "注销" for r in t["service_orgs"]),
        "market_entities": int(next(r["value"] for r in t["statistics"] if r["year"] == "2025")),
        "market_entities_by_year": {r["year"]: int(r["value"]) for r in t["statistics"]},
    }
    enf = [r for r in t["cases"] if r["case_kind"] == "查处" and r["accepted_date"] >= "2024-01-01"]
    med = [r for r in t["cases"] if r["case_kind"] == "调解" and r["accepted_date"] >= "2024-01-01"]
    s["enforcement_since_2024"] = f"{sum(r['status'] == '已结案' for r in enf)}/{len(enf)}"
    s["mediation_since_2024"] = f"{sum(r['outcome'] == '调解成功' for r in med)}/{len(med)}"
    return s


def _valid_inventions(patents: list[dict]) -> int:
    """Valid invention patents of applicants in Taixing, each application once (the goal G01's count)."""
    return len({r["_base"] for r in patents if r["_code"] == "valid" and r["_type"] == "invention" and r["_unit"]})


def summarise_baseline(b: dict, now: dict, names: dict) -> dict:
    """The baseline's figures beside today's, for the README and the printed summary."""

    def offices(rows):
        return {r["_code"] for r in rows if r["has_office"] == "是"}

    def total(rows, field):
        return sum(int(r[field]) for r in rows if r[field])

    def count(rows, field, value="是"):
        return sum(r[field] == value for r in rows)

    def active(rows, field):
        return sum(not any(w in r[field] for w in ("撤销", "注销", "停")) for r in rows)

    unit_codes = [c for c in names if not c.startswith("P")]
    gained = [c for c in names if c in offices(now["network"]) - offices(b["network"])]
    out = {}
    for when, t in (("baseline", b), ("now", now)):
        ent, ht = t["enterprises"], [r for r in t["enterprises"] if r["high_tech"] == "是"]
        out[when] = {
            "patent_rows": len(t["patents"]),
            "valid_inventions": _valid_inventions(t["patents"]),
            "trademarks": len(t["trademarks"]),
            "trademarks_valid": sum(r["_code"] == "valid" and bool(r["_unit"]) for r in t["trademarks"]),
            "enterprises": len(ent),
            "high_tech": len(ht),
            "ht_gb_filed": count(ht, "gb_filed"),
            "gb_passed": count(ent, "gb_passed"),
            "national_advantage": sum(r["advantage"].startswith("国家") for r in ent),
            "intensive": count(ent, "ip_intensive"),
            "patent_standard": count(ent, "patent_standard"),
            "above_scale_zero_patents": sum(r["above_scale"] == "是" and r["patents_held"] == "0" for r in ent),
            "workstations": len(t["workstations"]),
            "workstations_active": active(t["workstations"], "status"),
            "service_orgs": len(t["service_orgs"]),
            "service_orgs_active": active(t["service_orgs"], "status"),
            "unit_offices": len(offices(t["network"]) & set(unit_codes)),
            "park_offices": len(offices(t["network"]) - set(unit_codes)),
            "staff": total(t["network"], "staff"),
            "fund_wan": total(t["network"], "fund_wan"),
            "provincial_parks": sum(r["pilot_level"] in ("国家", "省") for r in t["network"] if r["_code"][0] == "P"),
        }
    out["gained_office"] = [names[c] for c in gained]
    return out


README = """# 样例数据（generated sample records — not real figures）

本目录中的 CSV 文件是由 `scripts/make_sample_data.py` **自动生成的虚构样例数据**，用于演示和测试本系统，
**不是泰兴市的真实专利、商标、企业、案件或统计数字**。

- 所有企业、申请人、注册人、当事人、联系人、机构名称均为虚构，并一律带有标记“（样例）”。
- 统一社会信用代码为虚构：18 位、字符集与校验位符合 GB 32100 格式，但组织机构代码部分使用合成序列
  `YB` + 六位流水号（如 `91321283YB000001…`），**不对应任何真实主体**。
- 专利申请号、商标注册号、质押登记号、案件编号均为虚构；专利申请号的校验位按国家知识产权局规则计算
  （权重 2–9 循环，和模 11，10 记作 X），其中少数几条故意写错校验位（见下）。
- 坐标是在示意乡镇边界（`geo/schematic_townships.geojson`，非官方边界）内随机生成的点，不是任何真实地点。
- 统计基数（市场主体户数）来源标注为“样例数据（非真实统计）”；三级网络表佐证材料为“样例数据”；
  手工填报指标的佐证材料均含“样例”。
- 数据截止日（as of）：{as_of}。

## 重新生成

```
python scripts/make_sample_data.py            # 写入 data/sample/
python scripts/make_sample_data.py --out DIR  # 写入其他目录
```

生成是确定性的（固定随机种子 {seed}，numpy.random.default_rng）：同样的输入（`data/*.csv`、
`geo/schematic_townships.geojson` 与 `geo/schematic_parks.geojson`）两次运行得到逐字节相同的文件。`tests/test_sample_data.py` 会检查这一点；
若示意边界或地名表有变动，请重新运行脚本并提交新的样例文件。

## 文件

| 文件 | 记录类别 | 行数 |
|---|---|---|
{files}

每个文件第一行是该类别模板的中文表头（`txip_geo.schema.all_headers`）；编码 UTF-8 带 BOM（与 `data/templates/`
相同，Excel 可直接打开）。`baseline/` 中是基期快照（见下），其余是当前快照。

## 基期快照（baseline/，截至 {baseline}）

基期是《泰兴市知识产权强市建设三年行动计划（2024—2026年）》实施前夕。`baseline/` 中的文件描述同一个虚构世界
（同一批申请、商标、企业、工作站、机构和镇街园区）在 {baseline} 的状态，与当前快照由同一脚本、同一随机种子生成，
同样是虚构样例数据，名称同样带“（样例）”。`python -m txip_geo demo` 先按截至 {baseline} 导入基期快照，
再按截至 {as_of} 导入当前快照；默认一切数字取最新快照，按日期查看（如 `--as-of {baseline}`）时取基期快照。

{baseline_shape}

推算规则（均为样例假设）：

- 专利：申请日在基期当天或之前的申请；基期时已授权的为“有效”（当天或之前已因未缴年费、放弃、期限届满而终止的
  除外），尚未授权或审结的为“审中”（不写授权公告日，`ZL` 前缀改为 `CN`），当天或之前被驳回、视为撤回或终止的
  为“失效”。日期取生成器为每件申请抽取的审结日、授权日和终止日；没有终止日的用另一个固定随机流补抽。
- 商标：基期当天或之前注册的商标，首个十年期满未续展或已被撤销、注销的为无效（撤销、注销日由固定随机流在注册
  三年后至 {as_of} 之间抽取）；基期后 200 天内注册的商标在基期时已申请，列为“申请中”。
- 企业：成立年份不晚于基期的企业；各项认定为今天认定的一个子集（{shares}；
  国家优势/示范 {national} 家，其余今天的国家级企业当时为省级）；有效专利数、有效商标数按基期的专利、商标统计。
- 工作站：设立日期不晚于基期的；今天已撤销的一个当时在运行，另有一个当时停运。
- 服务机构：样例没有设立日期，按固定随机流取今天在营的 {new_orgs} 家为基期后设立，其余当时均在营。
- 三级网络：{gained}的知识产权管理机构在基期后设立（当时无机构、无人员、无专项资金）；
  其余镇街园区约一半人员少一人，专项资金为今天的 55%–85%；园区当时均无省级试点示范（泰兴经济开发区为市级）。
- 执法案件、质押、培训、手工填报是带日期的台账，统计基数是逐年序列：这些没有基期文件，当前文件中已含 2023 年
  的记录。

## 样例的形态（便于演示目标差距）

{shape}

## 故意包含的“脏数据”

- 申请号写法混杂：12+1 位新号与 8+1 位旧号（2003-10-01 前的申请），带或不带 `ZL`/`CN` 前缀、空格、无小数点、
  不带校验位。
- 约 1% 的行是前面某行同一专利的重复（申请号写法不同，共 {dups} 行）。
- 校验位故意写错的申请号（{nbad} 条）：{bad}。
- 地址写法：`江苏省泰兴市…`、`泰兴市延令街道黄桥路5号`（路名含其他镇名）、旧镇名（横垛镇、七圩镇、姚王镇等）、
  村/社区、园区（泰兴经济开发区、黄桥经济开发区、虹桥工业园区、泰兴高新技术产业开发区）；约 1% 在泰兴市外
  （靖江市、泰州市高港区、如皋市），约 1% 无法归属到镇街（如 `泰兴市人民路12号` 或空白）。
- 工作站约三分之一的坐标为 GCJ-02（坐标系列为 `GCJ02`），其余为 WGS84；企业坐标的坐标系列有空白（按 WGS84）
  和 `CGCS2000`。
"""


def baseline_shape(bs: dict) -> str:
    """The README's lines on the baseline: its figures beside today's."""
    b, n = bs["baseline"], bs["now"]

    def then_now(key: str, unit: str = "") -> str:
        return f"{b[key]}{unit}（今天 {n[key]}{unit}）"

    return "\n".join(
        [
            f"- 专利 {b['patent_rows']} 行；泰兴市内有效发明专利 {then_now('valid_inventions', ' 件')}（G01）。",
            f"- 商标 {b['trademarks']} 件；泰兴市内有效商标 {then_now('trademarks_valid', ' 件')}（G04）。",
            f"- 企业 {then_now('enterprises', ' 家')}：高企 {then_now('high_tech')}，其中贯标备案 "
            f"{then_now('ht_gb_filed')}；贯标绩效评价合格 {then_now('gb_passed')}（G08）、国家优势/示范 "
            f"{then_now('national_advantage')}（G09）、密集型 {then_now('intensive')}（G10）、专利标准融合 "
            f"{then_now('patent_standard')}（G11）；零专利规上企业 {then_now('above_scale_zero_patents')}。",
            f"- 工作站 {b['workstations']} 个，在运行 {then_now('workstations_active', ' 个')}；"
            f"服务机构在营 {then_now('service_orgs_active', ' 家')}（G15）。",
            f"- 三级网络：设有知识产权管理机构的镇街 {then_now('unit_offices', ' 个')}、园区 "
            f"{then_now('park_offices', ' 个')}；专（兼）职人员合计 {then_now('staff', ' 人')}，专项资金合计 "
            f"{then_now('fund_wan', ' 万元')}；省级以上试点示范园区 {then_now('provincial_parks', ' 个')}（G06）。",
            f"- 基期后设立知识产权管理机构的：{'、'.join(bs['gained_office'])}。",
        ]
    )


def write_baseline(out: Path, baseline: dict) -> dict:
    """baseline/<kind>.csv for each kind of the baseline snapshot; (rows, bytes) per kind."""
    folder = out / sample.SAMPLE_BASELINE_DIR.name
    folder.mkdir(parents=True, exist_ok=True)
    sizes = {}
    for kind in sample.SAMPLE_BASELINE_KINDS:
        data = to_csv(kind, baseline[kind])
        (folder / f"{kind}.csv").write_bytes(data)
        sizes[f"{folder.name}/{kind}"] = (len(baseline[kind]), len(data))
    return sizes


# The sample's task-progress sheet (任务进展表, `import tasks`): the state of the plan's 13 tasks as an office would
# report it, every text marked 样例 (fixed texts, not drawn: nothing here is a figure).
TASK_PROGRESS = [
    (
        1,
        "已完成",
        "（样例）市、镇（街道）、园区三级知识产权工作网络建成，各镇街明确分管领导和联络员。",
        "（样例）三级网络名单；联络员名册",
    ),
    (2, "已完成", "（样例）出台知识产权专项资金管理办法，年度资助资金按时兑付。", "（样例）资金管理办法文件"),
    (
        3,
        "推进中",
        "（样例）泰兴经济开发区获评省级知识产权试点示范园区，另一园区申报中。",
        "（样例）省级试点示范园区批复",
    ),
    (4, "推进中", "（样例）组织高价值专利培育项目，重点企业开展专利布局。", ""),
    (5, "推进中", "（样例）按镇街建立零专利规上企业、高企清单，逐家走访指导。", "（样例）消零企业清单"),
    (6, "推进中", "（样例）推荐企业申报国家知识产权优势示范企业。", ""),
    (7, "推进中", "（样例）开展商标品牌指导站建设，培育区域品牌。", ""),
    (8, "推进中", "（样例）推动企业贯标和贯标绩效评价。", ""),
    (
        9,
        "已完成",
        "（样例）镇街、园区知识产权工作站建设，开展知识产权质押融资对接会。",
        "（样例）工作站授牌文件；质押对接会通知",
    ),
    (10, "推进中", "（样例）建设知识产权保护工作站，完善纠纷调解机制。", ""),
    (11, "推进中", "（样例）开展知识产权保护专项行动。", ""),
    (12, "未启动", "（样例）产业专利数据库建设待立项。", ""),
    (13, "推进中", "（样例）举办企业知识产权高管、工程师培训班。", "（样例）培训通知和签到表"),
]


def write_task_progress(out: Path) -> int:
    """data/sample/tasks.csv: the sample's task-progress sheet in the template's columns (UTF-8 with BOM)."""
    from txip_geo.ingest.task_sheet import TEMPLATE_HEADER
    from txip_geo.plan import task_table

    names = dict(zip(task_table()["task"], task_table()["name"]))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(TEMPLATE_HEADER)
    for task, status, progress, evidence in TASK_PROGRESS:
        w.writerow([task, names[task], status, progress, evidence])
    (out / "tasks.csv").write_bytes(("\ufeff" + buf.getvalue()).encode("utf-8"))
    return len(TASK_PROGRESS)


def write_all(out: Path) -> dict:
    tables, meta = build()
    out.mkdir(parents=True, exist_ok=True)
    n_tasks = write_task_progress(out)
    sizes = {}
    for kind in schema.RECORD_KINDS:
        data = to_csv(kind, tables[kind])
        (out / f"{kind}.csv").write_bytes(data)
        sizes[kind] = (len(tables[kind]), len(data))
    sizes.update(write_baseline(out, meta["baseline"]))
    s = meta["summary"]
    shape = "\n".join(
        [
            f"- 专利 {s['patent_rows']} 行（去重后 {s['patents_unique']} 件：发明 {s['inventions']}、实用新型 {s['utility']}、"
            f"外观设计 {s['design']}；其中 PCT {s['pct']} 件、旧号 {s['old_format']} 件）；有效 {s['patents_valid']}、"
            f"审中 {s['patents_pending']}、失效 {s['patents_invalid']}。",
            f"- 有效发明专利（泰兴市内）{s['valid_inventions']} 件（G01 目标 3500，未达）；其中申请日早于 {AS_OF.replace(year=AS_OF.year - 10)} "
            f"的 {s['valid_inventions_over_10y']} 件（G02 目标 650，未达）。根思乡没有发明专利。",
            f"- 商标 {s['trademarks']} 件，泰兴市内有效 {s['trademarks_valid']}（G04 目标 14600，未达），申请中 {s['trademarks_pending']}；"
            f"元竹镇没有商标。续展过的商标，专用权期限为注册日起 20 或 30 年。",
            f"- 市场主体户数 {s['market_entities']}（2025；另有 "
            + "、".join(f"{y} 年 {v}" for y, v in sorted(s["market_entities_by_year"].items()) if y != "2025")
            + "，供按日期查看时取当年或之前最近一年），万企有效注册商标约 "
            f"{s['trademarks_valid'] / s['market_entities'] * 10000:.0f}（G05 目标 660，未达）。",
            f"- 企业 {s['enterprises']} 家：规上 {s['above_scale']}、高企 {s['high_tech']}（贯标备案 {s['ht_gb_filed']}，"
            f"{s['ht_gb_filed'] / s['high_tech']:.1%}，G07 >90% 未达）、贯标绩效评价合格 {s['gb_passed']}、国家优势/示范 "
            f"{s['national_advantage']}、密集型 {s['intensive']}、专利标准融合 {s['patent_standard']}；"
            f"零专利规上企业 {s['above_scale_zero_patents']} 家、零专利高企 {s['high_tech_zero_patents']} 家（消零对象，分布在多个镇街）。",
            f"- 质押融资 2024-01-01 起累计 {s['pledge_wan_since_2024'] / 10000:.2f} 亿元（G12 目标 20 亿，未达）。",
            f"- 2024 年起培训高管、工程师 {s['training_key_since_2024']} 人次（全部对象 {s['training_all_since_2024']}；G16 目标 300，未达）。",
            f"- 服务机构在营 {s['service_orgs_active']} 家（G15 目标 30，未达）。",
            f"- 2024 年起查处案件结案 {s['enforcement_since_2024']}（G13 >90% 未达）；调解成功 {s['mediation_since_2024']}（G14 ≥90% 达成）。",
            "- 三级网络：17 个镇街和 4 个园区各一行，部分镇街缺机构/人员/资金；园区中仅泰兴经济开发区为省级试点示范（G06 1/2）。",
            "- 分界镇、根思乡、河失镇没有知识产权工作站。",
            "- 手工填报：M01 已完成（样例：联盟章程），M02 未完成。",
        ]
    )
    files = "\n".join(f"| `{k}.csv` | {schema.KINDS[k].label} | {sizes[k][0]} |" for k in schema.RECORD_KINDS)
    files += f"\n| `tasks.csv` | 重点任务进展（任务台账，`import tasks`） | {n_tasks} |"
    files += "\n" + "\n".join(
        f"| `{k}.csv` | {schema.KINDS[k.split('/')[1]].label}（基期） | {n} |"
        for k, (n, _) in sizes.items()
        if "/" in k
    )
    readme = README.format(
        as_of=AS_OF,
        baseline=BASELINE,
        baseline_shape=baseline_shape(meta["baseline_summary"]),
        new_orgs=BASELINE_NEW_ORGS,
        national=BASELINE_NATIONAL,
        shares="、".join(f"{FLAG_LABELS[k]}约 {v:.0%}" for k, v in BASELINE_FLAG_SHARE.items()),
        gained="、".join(meta["baseline_summary"]["gained_office"]),
        seed=SEED,
        files=files,
        shape=shape,
        dups=meta["duplicates"],
        nbad=len(meta["bad_check"]),
        bad="、".join(f"`{b}`" for b in meta["bad_check"]),
    )
    (out / "README.md").write_bytes(readme.encode("utf-8"))
    meta["sizes"] = sizes
    return meta


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=SAMPLE_DIR, help="output folder (default: data/sample)")
    args = ap.parse_args(argv)
    meta = write_all(args.out)
    for kind, (n, b) in meta["sizes"].items():
        print(f"{kind:13s} {n:6d} rows {b:9d} bytes")
    for k, v in meta["summary"].items():
        print(f"  {k}: {v}")
    bs = meta["baseline_summary"]
    print(f"baseline {BASELINE} (now {AS_OF}):")
    for k, v in bs["baseline"].items():
        print(f"  {k}: {v} (now {bs['now'][k]})")
    print(f"  gained an office: {'、'.join(bs['gained_office'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
