"""Small random input files for the recount test (tests/test_recount.py), written with a fixed seed: offices' files in
the template headers (data/templates/), records located every way the docs allow (code, name, old name, park column,
park alias in the address, coordinates in WGS84 or GCJ-02, outside Taixing, nothing usable), several snapshots.

Each scenario returns [(kind, path, as_of), ...] in import order. Degenerate scenarios: one year and one unit, kinds not
imported at all, all zeros. Imports nothing from txip_geo."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
from recount import DATA, Gaz, layers

LATE, EARLY = "2026-10-31", "2024-12-31"
F_LOC = ("所属镇街代码", "所属镇街", "所属园区", "地址", "经度", "纬度", "坐标系")


def headers(kind: str) -> list[str]:
    with open(DATA / "templates" / f"{kind}.csv", encoding="utf-8-sig") as f:
        return next(csv.reader(f))


def write(path: Path, kind: str, rows: list[dict]) -> Path:
    cols = headers(kind)
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(cols)
        for r in rows:
            w.writerow([r.get(c, "") for c in cols])
    return path


def check_digit(body: str) -> str:
    s = sum(int(d) * (2 + i % 8) for i, d in enumerate(body)) % 11
    return "X" if s == 10 else str(s)


class Gen:
    def __init__(self, seed: int, store_path, units: list[str] | None = None, years=(2010, 2026)):
        self.rng = np.random.default_rng(seed)
        self.gaz = Gaz()
        self.lay = layers(store_path)
        self.units = units or self.gaz.codes
        self.years = years
        self.serial = 0

    def pick(self, seq):
        return seq[int(self.rng.integers(len(seq)))]

    def day(self, lo: str | None = None, hi: str | None = None) -> str:
        lo = pd.Timestamp(lo or f"{self.years[0]}-01-01")
        hi = pd.Timestamp(hi or f"{self.years[1]}-10-31")
        return (lo + pd.Timedelta(days=int(self.rng.integers((hi - lo).days + 1)))).date().isoformat()

    def point(self, code: str, gcj: bool) -> dict:
        poly = self.lay["townships"].set_index("code").geometry[code]
        minx, miny, maxx, maxy = poly.bounds
        from shapely.geometry import Point

        while True:
            x, y = self.rng.uniform(minx, maxx), self.rng.uniform(miny, maxy)
            # well inside (≥ 300 m from the border), so 6-decimal rounding and the datum round trip cannot move it out
            if poly.buffer(-0.003).contains(Point(x, y)):
                break
        if gcj:
            import prcoords

            y, x = prcoords.wgs_gcj((y, x))
        return {
            "经度": f"{x:.6f}",
            "纬度": f"{y:.6f}",
            "坐标系": "GCJ02" if gcj else self.pick(["WGS84", "", "CGCS2000"]),
        }

    def location(
        self,
        modes=("code", "name", "old", "park", "address", "park_address", "point", "gcj", "outside", "none", "street"),
    ) -> dict:
        code = self.pick(self.units)
        u = self.gaz.units.set_index("code").loc[code]
        mode = self.pick(list(modes))
        olds = self.gaz.old[self.gaz.old["successor_code"] == code]["old_name"].tolist()
        parks = self.gaz.parks[self.gaz.parks["host_code"] == code]
        road = f"{self.pick(['人民路', '文昌路', '兴业路', '中心大道'])}{int(self.rng.integers(1, 300))}号"
        prefix = self.pick(["江苏省泰兴市", "泰兴市", "江苏省泰州市泰兴市", ""])
        if mode == "code":
            return {"所属镇街代码": code}
        if mode == "name":
            return {"所属镇街": self.pick([u["name"], u["short_name"]])}
        if mode == "old" and olds:
            return {"地址": prefix + self.pick(olds) + road}
        if mode in ("park", "park_address") and len(parks):
            p = parks.iloc[int(self.rng.integers(len(parks)))]
            name = self.pick([p["name"], *[a for a in p["aliases"].split(";") if a]])
            if mode == "park":
                return {"所属园区": name}
            return {"地址": self.pick(["江苏省", ""]) + name + road}
        if mode == "park_variant":  # issue #16: parks written every way a person would
            p = self.gaz.parks.iloc[int(self.rng.integers(len(self.gaz.parks)))]
            name = self.pick([p["name"], *[a for a in p["aliases"].split(";") if a]])
            if name.startswith("泰兴"):
                name = self.pick(["泰兴市" + name[2:], "泰兴 " + name[2:], name])
            else:
                name = self.pick(["泰兴市" + name, name[:2] + " " + name[2:]])
            return {"地址": self.pick(["江苏省", "江苏省 ", ""]) + name + road}
        if mode in ("point", "gcj"):
            return {**self.point(code, mode == "gcj"), "地址": prefix + u["name"] + road}
        if mode == "outside":
            return {"地址": "江苏省" + self.pick(["靖江市", "如皋市", "泰州市高港区"]) + road}
        if mode == "none":
            return {"地址": self.pick(["", "泰兴市人民路12号"])}
        if mode == "street":
            other = self.pick(self.gaz.units["short_name"].tolist())
            return {"地址": f"泰兴市{u['name']}{other}路{int(self.rng.integers(1, 99))}号"}
        return {"地址": prefix + u["name"] + road}

    def patent_no(self, year: int, ptype: str, style: int) -> str:
        self.serial += 1
        d = {"invention": self.pick(["1", "8"]), "utility": self.pick(["2", "9"]), "design": "3"}[ptype]
        body = f"{year}{d}{self.serial:07d}"
        no = f"{body}.{check_digit(body)}"
        spaced = f"{body[:4]} {body[4:]}.{check_digit(body)}"
        return [no, "ZL" + no, "CN" + body + check_digit(body), spaced, body][style]


def patents(g: Gen, n: int, hi: str, statuses=None, ent: list[tuple[str, str]] = (), dup=True) -> list[dict]:
    statuses = statuses or [
        "有效",
        "专利权维持",
        "授权",
        "审中",
        "公开",
        "实质审查",
        "失效",
        "未缴年费终止",
        "驳回",
        "期限届满",
        "视为撤回",
    ]
    rows = []
    for _ in range(n):
        d = g.day(hi=hi)
        t = g.pick(["invention", "utility", "design"])
        code, name = g.pick(list(ent)) if ent and g.rng.random() < 0.4 else ("", f"泰兴示例{g.serial}有限公司（样例）")
        rows.append(
            {
                "申请号": g.patent_no(int(d[:4]), t, int(g.rng.integers(5))),
                "申请人": name,
                "申请日": d,
                "专利类型": g.pick(["", "发明", "实用新型", "外观设计"]),  # may disagree: the number decides
                "法律状态": g.pick(statuses),
                "统一社会信用代码": code if g.rng.random() < 0.5 else "",
                **g.location(),
            }
        )
    if rows and dup:  # a duplicate written another way, merged on import
        dup = dict(rows[0])
        dup["申请号"] = "ZL" + dup["申请号"].replace("ZL", "").replace("CN", "")
        rows.append(dup)
    return rows


def trademarks(g, n, hi, statuses=None, ent=()):
    statuses = statuses or ["已注册", "有效", "注册", "申请中", "等待实质审查", "无效", "注销", "撤销"]
    rows = []
    for _ in range(n):
        g.serial += 1
        code, name = g.pick(list(ent)) if ent and g.rng.random() < 0.4 else ("", f"泰兴示例{g.serial}商行（样例）")
        rows.append(
            {
                "注册号": str(30000000 + g.serial),
                "注册人": name,
                "注册日期": g.day(hi=hi),
                "商标状态": g.pick(statuses),
                "统一社会信用代码": code,
                **g.location(),
            }
        )
    return rows


def enterprises(g, n, zero=False):
    rows, ids = [], []

    def yn(p):
        return "是" if g.rng.random() < p else "否"

    for _ in range(n):
        g.serial += 1
        cc, name = f"91321283YC{g.serial:07d}X", f"泰兴示例企业{g.serial}有限公司（样例）"
        ids.append((cc, name))
        rows.append(
            {
                "统一社会信用代码": cc,
                "企业名称": name,
                "规上工业企业": yn(0.6),
                "高新技术企业": yn(0.5),
                "贯标备案": yn(0.7),
                "贯标绩效评价合格": yn(0.2),
                "国家知识产权优势示范": g.pick(
                    ["", "", "国家知识产权优势企业", "国家知识产权示范企业", "省知识产权示范企业"]
                ),
                "知识产权密集型企业": yn(0.2),
                "专利标准融合创新企业": yn(0.2),
                "有效专利数": "0" if zero else g.pick(["", "", "0", "3"]),
                "有效商标数": "0" if zero else g.pick(["", "0", "2"]),
                **g.location(("code", "name", "park", "point", "gcj", "address", "outside")),
            }
        )
    return rows, ids


def cases(g, n, hi):
    rows = []
    for _ in range(n):
        g.serial += 1
        kind = g.pick(["查处", "调解"])
        status = g.pick(
            ["受理", "办理中", "已结案", "已结案", "移送"] if kind == "查处" else ["办理中", "已结案", "已结案", "撤回"]
        )
        outcome = (
            ""
            if status != "已结案"
            else g.pick(["行政处罚", "责令整改", "不予处罚"])
            if kind == "查处"
            else g.pick(["调解成功", "调解成功", "调解不成"])
        )
        rows.append(
            {
                "案件编号": f"泰兴知〔{g.serial}〕号",
                "案件类别": kind,
                "知识产权类型": g.pick(["专利", "商标"]),
                "立案日期": g.day(lo="2022-01-01", hi=hi),
                "办理状态": status,
                "处理结果": outcome,
                **g.location(),
            }
        )
    return rows


def simple(g, kind, n, hi, zero=False):
    rows = []
    for _ in range(n):
        g.serial += 1
        if kind == "workstations":
            r = {
                "编号": f"GZ-{g.serial}",
                "名称": f"工作站{g.serial}（样例）",
                "类型": g.pick(["知识产权工作站", "商标品牌指导站"]),
                "运行状态": g.pick(["运行", "", "撤销"]),
            }
        elif kind == "pledges":
            r = {
                "登记号": f"Y{g.serial:08d}",
                "金额（万元）": "0" if zero else str(int(g.rng.integers(10, 900))),
                "登记日期": g.day(lo="2022-01-01", hi=hi),
            }
        elif kind == "trainings":
            r = {
                "编号": f"PX-{g.serial}",
                "培训日期": g.day(lo="2023-01-01", hi=hi),
                "对象": g.pick(["高管", "工程师", "其他"]),
                "人次": "0" if zero else str(int(g.rng.integers(1, 40))),
            }
        else:  # service_orgs
            r = {
                "统一社会信用代码": f"91321283YD{g.serial:07d}X",
                "机构名称": f"服务机构{g.serial}（样例）",
                "机构类型": g.pick(["代理", "律所"]),
                "状态": g.pick(["在营", "", "注销"]),
            }
        rows.append({**r, **g.location()})
    return rows


def network(g, zero=False):
    rows = []
    for code in g.units[: max(1, len(g.units) - 2)]:  # the last two units not reported
        u = g.gaz.units.set_index("code").loc[code]
        rows.append(
            {
                "镇街或园区": g.pick([code, u["name"]]),
                "知识产权管理机构": "否" if zero else g.pick(["是", "是", "否", ""]),
                "专（兼）职管理人员数": "0" if zero else g.pick(["", "0", "2"]),
                "专项资金（万元）": "0" if zero else g.pick(["", "0", "30"]),
            }
        )
    for _, p in g.gaz.parks.iloc[:3].iterrows():
        rows.append(
            {
                "镇街或园区": g.pick([p["code"], p["name"]]),
                "知识产权管理机构": "是",
                "专（兼）职管理人员数": "1",
                "专项资金（万元）": "10",
                "试点示范级别": "" if zero else g.pick(["国家", "省", ""]),
            }
        )
    return rows


def statistics(years_values: list[tuple[str, int, str, float]]):
    return [
        {"区划代码": c, "年份": str(y), "指标": m, "数值": f"{v:g}", "来源": "生成数据（测试）"}
        for c, y, m, v in years_values
    ]


def scenario(name: str, out: Path, store_path) -> list[tuple[str, Path, str]]:
    out.mkdir(parents=True, exist_ok=True)
    imports = []

    def add(kind, rows, as_of, tag=""):
        imports.append((kind, write(out / f"{kind}{tag}-{as_of}.csv", kind, rows), as_of))

    if name == "mixed":  # two snapshots, statistics of several years, mixed 对象, a manual figure
        g = Gen(1601, store_path)
        ents, ids = enterprises(g, 40)
        add("network", network(g), LATE)
        add("network", network(g), EARLY)
        add(
            "statistics",
            statistics(
                [
                    ("321283", 2023, "市场主体户数", 181000),
                    ("321283", 2024, "市场主体户数", 186000),
                    ("321283", 2024, "常住人口", 991000),
                    ("321283001", 2024, "常住人口", 101000),
                    # G05 per township and park (issue #18): an area's own 市场主体户数
                    ("321283001", 2024, "市场主体户数", 12000),
                    ("P01", 2024, "市场主体户数", 3000),
                ]
            ),
            EARLY,
        )
        add(
            "statistics",
            statistics(
                [
                    ("321283", 2024, "市场主体户数", 186000),
                    ("321283", 2025, "市场主体户数", 190500),
                    ("321283", 2026, "市场主体户数", 199000),
                    ("321283", 2025, "常住人口", 990000),
                    ("321283", 2026, "常住人口", 1100000),
                    ("321283001", 2025, "市场主体户数", 12500),
                    ("321283100", 2025, "市场主体户数", 21000),
                    ("P01", 2026, "市场主体户数", 3300),  # describes 2026-12-31: not yet usable on 2026-10-31
                    ("P02", 2025, "市场主体户数", 0),  # a base of 0 is no base
                ]
            ),
            LATE,
        )
        add(
            "manual",
            [
                {"指标编号": "G08", "数值": "31", "佐证材料": "测试", "填报日期": "2026-10-01"},
                {"指标编号": "M01", "是否完成": "是", "佐证材料": "测试"},
            ],
            LATE,
        )
        add("enterprises", ents, LATE)
        add("enterprises", ents[:25], EARLY)
        early = patents(g, 150, EARLY, ent=ids)
        add("patents", early, EARLY)
        late = patents(g, 120, LATE, ent=ids)
        add("patents", early + late, LATE)
        # a second file of the same snapshot: it wins on the patent it repeats (a new status)
        again = dict(early[1], 法律状态="未缴年费终止" if early[1]["法律状态"] in ("有效", "授权") else "有效")
        add("patents", [again], LATE, tag="-b")
        tms = trademarks(g, 120, EARLY, ent=ids)
        add("trademarks", tms, EARLY)
        add("trademarks", tms + trademarks(g, 80, LATE, ent=ids), LATE)
        for kind, n in (("workstations", 20), ("pledges", 30), ("trainings", 25), ("service_orgs", 20)):
            e = simple(g, kind, n, EARLY)
            add(kind, e, EARLY)
            add(kind, e + simple(g, kind, n // 2, LATE), LATE)
        e = cases(g, 40, EARLY)
        add("cases", e, EARLY)
        add("cases", e + cases(g, 30, LATE), LATE)
    elif name == "one_unit_one_year":  # every record in 黄桥镇, every date in 2026
        g = Gen(1602, store_path, units=["321283100"], years=(2026, 2026))
        ents, ids = enterprises(g, 8)
        add("network", network(g), LATE)
        add("enterprises", ents, LATE)
        add("patents", patents(g, 40, LATE, ent=ids), LATE)
        add("trademarks", trademarks(g, 20, LATE, ent=ids), LATE)
        for kind in ("workstations", "pledges", "trainings", "service_orgs"):
            add(kind, simple(g, kind, 5, LATE), LATE)
        add("cases", cases(g, 6, LATE), LATE)
    elif name == "kinds_missing":  # patents and network only: no trademarks, enterprises, cases, statistics …
        g = Gen(1603, store_path, units=["321283001", "321283124", "321283200"])
        add("network", network(g), LATE)
        add("patents", patents(g, 30, LATE), LATE)
    elif name == "all_zero":  # every status invalid, every amount and count 0, no office anywhere
        g = Gen(1604, store_path)
        ents, ids = enterprises(g, 10, zero=True)
        add("network", network(g, zero=True), LATE)
        add(
            "statistics",
            statistics(
                [
                    ("321283", 2025, "市场主体户数", 0),
                    ("321283", 2025, "常住人口", 0),
                    ("321283100", 2025, "常住人口", 0),
                ]
            ),
            LATE,
        )
        add("enterprises", ents, LATE)
        add("patents", patents(g, 20, LATE, statuses=["失效", "驳回"]), LATE)
        add("trademarks", trademarks(g, 10, LATE, statuses=["注销"]), LATE)
        for kind in ("pledges", "trainings"):
            add(kind, simple(g, kind, 5, LATE, zero=True), LATE)
        add("workstations", [dict(r, 运行状态="撤销") for r in simple(g, "workstations", 3, LATE)], LATE)
        add("service_orgs", [dict(r, 状态="注销") for r in simple(g, "service_orgs", 3, LATE)], LATE)
    elif name == "park_spellings":  # parks written with/without 泰兴市, short forms, spaces; P04 has no host
        g = Gen(1605, store_path)
        add("network", network(g), LATE)
        rows = patents(g, 40, LATE)
        for r in rows:
            for c in ("所属镇街代码", "所属镇街", "所属园区", "经度", "纬度", "坐标系"):
                r.pop(c, None)
            r.update(g.location(("park_variant",)))
        rows.append(dict(rows[0], 申请号=g.patent_no(2025, "invention", 0), 地址="", 所属园区="泰兴高新区"))
        add("patents", rows, LATE)
    elif name == "one_record":  # one record of each located kind in 宣堡镇; the only trademark, enterprise and
        # training lie outside Taixing (imported, none counted: 0, not "no data")
        g = Gen(1606, store_path, units=["321283115"], years=(2020, 2020))

        def at(rows, modes):
            loc = g.location(modes)
            return [{**{k: v for k, v in r.items() if k not in F_LOC}, **loc} for r in rows]

        inside, outside = ("code", "name", "point", "gcj", "address"), ("outside",)
        ents, ids = enterprises(g, 1)
        add("enterprises", at(ents, outside), LATE)
        add("patents", at(patents(g, 1, LATE, statuses=["有效"], ent=ids, dup=False), inside), LATE)
        add("trademarks", at(trademarks(g, 1, LATE, statuses=["已注册"]), outside), LATE)
        add("trainings", at([dict(r, 对象="高管") for r in simple(g, "trainings", 1, LATE)], outside), LATE)
        for kind in ("workstations", "pledges", "service_orgs"):
            add(kind, at(simple(g, kind, 1, LATE), inside), LATE)
        add("cases", at(cases(g, 1, LATE), inside), LATE)
    else:
        raise KeyError(name)
    return imports
