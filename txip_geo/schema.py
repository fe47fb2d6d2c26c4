"""The record kinds: their fields, types, keys and Chinese headers (one schema for templates, importer and store)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    name: str  # internal column name (English, stable)
    header: str  # Chinese header used in templates and exports
    type: str = "text"  # text | int | float | date | bool
    required: bool = False
    personal: bool = False  # personal data: masked for viewers
    doc: str = ""


@dataclass(frozen=True)
class Kind:
    name: str
    label: str  # Chinese label
    # The columns a record is known by: rows with the same key are one record, de-duplicated within a file (the first
    # row wins) and within a snapshot (the later import wins). A derived column when the written value has several
    # spellings (patents: pkey, the number without its check digit; the network: area_code, the area resolved).
    key: tuple[str, ...]
    fields: tuple[Field, ...]
    located: bool = True  # records carry a location and get an area assignment
    doc: str = ""
    derived: tuple[tuple[str, str], ...] = ()  # (column, sqlite type) computed on import
    # A file without the key column: the key is derived from these fields' normalised values (the same row gives the
    # same ID in any file and order). Empty: the key column is required.
    id_from: tuple[str, ...] = ()
    # The function computing the derived columns and the kind's own checks on import: its name in
    # txip_geo.ingest.derive (DERIVES); "" for none.
    derive: str = ""
    # The store keeps per-import counts of this kind's records (store.aggregates) and the figures are counted from
    # them, its records loaded only when a page lists them: the kind of millions of rows (patents).
    aggregated: bool = False

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def required(self) -> list[str]:
        return [f.name for f in self.fields if f.required]

    def get(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


# Input fields that locate a record. Any subset may be present; see txip_geo/locate/decide.py for precedence.
LOCATION_FIELDS: tuple[Field, ...] = (
    Field("area_code", "所属镇街代码", doc="9-digit NBS code of the township-level unit, if the source gives it"),
    Field("area_name", "所属镇街", doc="township/street name as written in the source (old names accepted)"),
    Field("park_name", "所属园区", doc="park name, if the source gives it"),
    Field("address", "地址", doc="postal address; matched to a unit when nothing better is given"),
    Field("lon", "经度", "float", doc="longitude, decimal degrees"),
    Field("lat", "纬度", "float", doc="latitude, decimal degrees"),
    Field("datum", "坐标系", doc="WGS84 / CGCS2000 / GCJ02 (高德/腾讯); empty = WGS84"),
)

# Columns the store adds to every located record.
ASSIGNMENT_COLUMNS = ("unit_code", "park_code", "assign_method", "assign_note")

# How a record was assigned to an area.
ASSIGN_METHODS = {
    "code": "按代码/镇街名称字段",
    "point": "按坐标落点",
    "address": "按地址匹配",
    "park": "按园区名称",
    "unassigned": "未能归属",
    "outside": "泰兴市外",
}

_F = Field

KINDS: dict[str, Kind] = {}


def _kind(k: Kind) -> Kind:
    KINDS[k.name] = k
    return k


PATENTS = _kind(
    Kind(
        "patents",
        "专利",
        ("pkey",),
        (
            _F(
                "app_no",
                "申请号",
                required=True,
                doc="application number in any common form (CN/ZL prefix, dots, spaces)",
            ),
            _F("title", "名称"),
            _F("applicant", "申请人"),
            _F("app_date", "申请日", "date"),
            _F("grant_date", "授权公告日", "date"),
            _F(
                "type_label",
                "专利类型",
                doc="发明/实用新型/外观设计; the number decides when they disagree or it is empty",
            ),
            _F("status", "法律状态", required=True, doc="有效/审中/失效 (common wordings are mapped)"),
            _F("ipc", "主分类号"),
            _F("enterprise_code", "统一社会信用代码"),
        ),
        doc="One row per patent application. Derived on import: number (canonical), patent_type, pct, check_ok, "
        "app_year, status_code (valid/pending/invalid).",
        derived=(
            ("number", "TEXT"),
            ("pkey", "TEXT"),
            ("patent_type", "TEXT"),
            ("pct", "INTEGER"),
            ("check_ok", "INTEGER"),
            ("app_year", "INTEGER"),
            ("status_code", "TEXT"),
        ),
        derive="patent_numbers",
        aggregated=True,
    )
)

TRADEMARKS = _kind(
    Kind(
        "trademarks",
        "商标",
        ("reg_no",),
        (
            _F("reg_no", "注册号", required=True),
            _F("name", "商标名称"),
            _F("nice_class", "国际分类", "int"),
            _F("registrant", "注册人"),
            _F("reg_date", "注册日期", "date"),
            _F("expiry_date", "专用权期限截止", "date"),
            _F("status", "商标状态", required=True, doc="已注册/有效、申请中、无效/注销/撤销"),
            _F("enterprise_code", "统一社会信用代码"),
        ),
        doc="Derived on import: status_code (valid/pending/invalid).",
        derived=(("status_code", "TEXT"),),
        derive="trademark_status",
    )
)

WORKSTATIONS = _kind(
    Kind(
        "workstations",
        "知识产权工作站",
        ("station_id",),
        (
            _F("station_id", "编号", required=True),
            _F("name", "名称", required=True),
            _F(
                "station_type",
                "类型",
                required=True,
                doc="知识产权工作站/商标品牌指导站/维权援助工作站/专利导航服务站…",
            ),
            _F("host", "依托单位"),
            _F("established", "设立日期", "date"),
            _F("status", "运行状态", doc="运行/撤销; empty = 运行"),
            _F("contact", "联系人", personal=True),
        ),
        derived=(("active", "INTEGER"),),
        id_from=("name", "station_type"),
        derive="active_status",
    )
)

CASES = _kind(
    Kind(
        "cases",
        "执法案件与纠纷",
        ("case_no",),
        (
            _F("case_no", "案件编号", required=True),
            _F(
                "case_kind",
                "案件类别",
                required=True,
                doc="查处 (administrative enforcement case) or 调解 (dispute mediation); "
                "a ledger's 处理方式 (立案查处/行政处罚 -> 查处, 调解/行政调解 -> 调解, 移送 -> 查处, transferred)",
            ),
            _F("ip_type", "知识产权类型", doc="专利/商标/地理标志/其他"),
            _F("cause", "案由"),
            _F("accepted_date", "立案日期", "date", required=True),
            _F(
                "status",
                "办理状态",
                doc="受理/办理中/已结案/移送/撤回; empty = 已结案 when there is a 结案日期, else 办理中",
            ),
            _F("closed_date", "结案日期", "date"),
            _F("outcome", "处理结果", doc="for 调解: 调解成功/调解不成; for 查处: 行政处罚/责令整改/不予处罚…"),
            _F("party", "当事人", personal=True),
        ),
        doc="Derived on import: kind_code (enforcement/dispute), status_code (open/closed/transferred/withdrawn), "
        "mediated (bool, 调解 only).",
        derived=(("kind_code", "TEXT"), ("status_code", "TEXT"), ("mediated", "INTEGER")),
        derive="case_status",
    )
)

ENTERPRISES = _kind(
    Kind(
        "enterprises",
        "企业",
        ("credit_code",),
        (
            _F("credit_code", "统一社会信用代码", required=True),
            _F("name", "企业名称", required=True),
            _F("industry", "行业"),
            _F("above_scale", "规上工业企业", "bool"),
            _F("high_tech", "高新技术企业", "bool"),
            _F("gb_filed", "贯标备案", "bool"),
            _F("gb_passed", "贯标绩效评价合格", "bool"),
            _F("advantage", "国家知识产权优势示范", doc="国家示范/国家优势/省级/…; empty = none"),
            _F("ip_intensive", "知识产权密集型企业", "bool"),
            _F("patent_standard", "专利标准融合创新企业", "bool"),
            _F(
                "patents_held",
                "有效专利数",
                "int",
                doc="empty = unknown; derived from patent records by credit code or name",
            ),
            _F("trademarks_held", "有效商标数", "int"),
        ),
    )
)

PLEDGES = _kind(
    Kind(
        "pledges",
        "知识产权质押融资",
        ("pledge_id",),
        (
            _F("pledge_id", "登记号", required=True),
            _F("pledgor", "出质人"),
            _F("ip_type", "质押物类型", doc="专利/商标/混合"),
            _F("amount_wan", "金额（万元）", "float", required=True),
            _F("date", "登记日期", "date", required=True),
            _F("pledgee", "质权人"),
        ),
    )
)

TRAININGS = _kind(
    Kind(
        "trainings",
        "知识产权培训",
        ("training_id",),
        (
            _F("training_id", "编号", required=True),
            _F("date", "培训日期", "date", required=True),
            _F("title", "培训名称"),
            _F("audience", "对象", doc="高管/工程师 (counted by G16)/其他; spellings in data/training_audiences.toml"),
            _F("attendees", "人次", "int", required=True),
            _F("organiser", "主办单位"),
        ),
        id_from=("date", "title", "audience"),
        derive="training_audience",
    )
)

SERVICE_ORGS = _kind(
    Kind(
        "service_orgs",
        "知识产权服务机构",
        ("org_id",),
        (
            _F("org_id", "统一社会信用代码", required=True),
            _F("name", "机构名称", required=True),
            _F("org_type", "机构类型", doc="代理/律所/运营/评估/其他"),
            _F("status", "状态", doc="在营/注销; empty = 在营"),
        ),
        derived=(("active", "INTEGER"),),
        id_from=("name",),
        derive="active_status",
    )
)

NETWORK = _kind(
    Kind(
        "network",
        "三级网络（镇街、园区）",
        ("area_code",),
        (
            _F("area", "镇街或园区", required=True, doc="unit name or code, or park name or code (P01…)"),
            _F("has_office", "知识产权管理机构", "bool"),
            _F("office_name", "机构名称"),
            _F("staff", "专（兼）职管理人员数", "int"),
            _F("fund_wan", "专项资金（万元）", "float"),
            _F("pilot_level", "试点示范级别", doc="parks only: 国家/省/empty"),
            _F("evidence", "佐证材料"),
        ),
        located=False,
        doc="One row per township-level unit or park; the network facts the plan asks for (保障措施一、三).",
        derived=(("area_code", "TEXT"),),
        derive="network_area",
    )
)

MANUAL = _kind(
    Kind(
        "manual",
        "手工填报指标",
        ("goal_id",),
        (
            _F("goal_id", "指标编号", required=True, doc="G01…G16 or M01…M04"),
            _F("value", "数值", "float", doc="numeric goals"),
            _F("done", "是否完成", "bool", doc="milestones"),
            _F("evidence", "佐证材料", required=True),
            _F("entered_by", "填报人"),
            _F("entered_on", "填报日期", "date"),
        ),
        located=False,
        doc="Figures entered by hand with evidence; they override the computed value of that goal.",
        derive="manual_goal",
    )
)

STATISTICS = _kind(
    Kind(
        "statistics",
        "统计基数（人口、市场主体）",
        ("code", "year", "measure"),
        (
            _F("code", "区划代码", required=True, doc="321283 for the city, or a unit's 9-digit code"),
            _F("year", "年份", "int", required=True),
            _F("measure", "指标", required=True, doc="常住人口/户籍人口/人口(未注明)/市场主体户数"),
            _F("value", "数值", "float", required=True),
            _F("source", "来源", required=True),
        ),
        located=False,
        doc="Denominators for per-capita figures; replaces/extends data/population.csv.",
        derive="statistics_row",
    )
)

RECORD_KINDS = [k for k in KINDS]


def all_headers(kind: Kind) -> list[str]:
    """Template headers: the kind's own fields then, for located kinds, the location fields."""
    fields = list(kind.fields) + (list(LOCATION_FIELDS) if kind.located else [])
    return [f.header for f in fields]


def input_fields(kind: Kind) -> list[Field]:
    return list(kind.fields) + (list(LOCATION_FIELDS) if kind.located else [])
