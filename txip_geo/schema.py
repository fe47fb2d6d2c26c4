"""The record kinds: their fields, types, keys and Chinese headers (one schema for templates, importer and store).

A kind's Chinese label and its fields' headers are in the strings table, section ``[kind_<name>]`` (the location
fields': ``[kind_location]``); the assignment methods' names in ``[assign_method]``."""

from __future__ import annotations

from dataclasses import dataclass, replace

from txip_geo.strings import t


@dataclass(frozen=True)
class Field:
    name: str  # internal column name (English, stable)
    type: str = "text"  # text | int | float | date | bool
    required: bool = False
    personal: bool = False  # personal data: masked for viewers
    doc: str = ""
    header: str = ""  # Chinese header used in templates and exports (strings: [kind_<kind>] <name>)


@dataclass(frozen=True)
class Kind:
    name: str
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
    label: str = ""  # Chinese label (strings: [kind_<name>] label)

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


def _headed(section: str, fields: tuple[Field, ...]) -> tuple[Field, ...]:
    """`fields` with their Chinese headers, from the strings table's `section`."""
    return tuple(replace(f, header=t(f"{section}.{f.name}")) for f in fields)


# Input fields that locate a record. Any subset may be present; see txip_geo/locate/decide.py for precedence.
LOCATION_FIELDS: tuple[Field, ...] = _headed(
    "kind_location",
    (
        Field("area_code", doc="9-digit NBS code of the township-level unit, if the source gives it"),
        Field("area_name", doc="township/street name as written in the source (old names accepted)"),
        Field("park_name", doc="park name, if the source gives it"),
        Field("address", doc="postal address; matched to a unit when nothing better is given"),
        Field("lon", "float", doc="longitude, decimal degrees"),
        Field("lat", "float", doc="latitude, decimal degrees"),
        Field("datum", doc="WGS84 / CGCS2000 / GCJ02 (高德/腾讯); empty = WGS84"),
    ),
)

# Columns the store adds to every located record.
ASSIGNMENT_COLUMNS = ("unit_code", "park_code", "assign_method", "assign_note")

# How a record was assigned to an area.
ASSIGN_METHODS = {m: t(f"assign_method.{m}") for m in ("code", "point", "address", "park", "unassigned", "outside")}

_F = Field

KINDS: dict[str, Kind] = {}


def _kind(k: Kind) -> Kind:
    """`k` with its label and headers from the strings table ([kind_<name>]), registered in KINDS."""
    section = f"kind_{k.name}"
    k = replace(k, label=t(f"{section}.label"), fields=_headed(section, k.fields))
    KINDS[k.name] = k
    return k


PATENTS = _kind(
    Kind(
        "patents",
        ("pkey",),
        (
            _F(
                "app_no",
                required=True,
                doc="application number in any common form (CN/ZL prefix, dots, spaces)",
            ),
            _F("title"),
            _F("applicant"),
            _F("app_date", "date"),
            _F("grant_date", "date"),
            _F(
                "type_label",
                doc="发明/实用新型/外观设计; the number decides when they disagree or it is empty",
            ),
            _F("status", required=True, doc="有效/审中/失效 (common wordings are mapped)"),
            _F("ipc", doc="主分类号 (IPC main class; figures.industries)"),
            _F("ipc_all", doc="分类号: every IPC code, ';'-separated (optional; figures.industries)"),
            _F("enterprise_code"),
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
        ("reg_no",),
        (
            _F("reg_no", required=True),
            _F("name"),
            _F("nice_class", "int"),
            _F("registrant"),
            _F("reg_date", "date"),
            _F("expiry_date", "date"),
            _F("status", required=True, doc="已注册/有效、申请中、无效/注销/撤销"),
            _F("enterprise_code"),
        ),
        doc="Derived on import: status_code (valid/pending/invalid).",
        derived=(("status_code", "TEXT"),),
        derive="trademark_status",
    )
)

WORKSTATIONS = _kind(
    Kind(
        "workstations",
        ("station_id",),
        (
            _F("station_id", required=True),
            _F("name", required=True),
            _F(
                "station_type",
                required=True,
                doc="知识产权工作站/商标品牌指导站/维权援助工作站/专利导航服务站…",
            ),
            _F("host"),
            _F("established", "date"),
            _F("status", doc="运行/撤销; empty = 运行"),
            _F("contact", personal=True),
        ),
        derived=(("active", "INTEGER"),),
        id_from=("name", "station_type"),
        derive="active_status",
    )
)

CASES = _kind(
    Kind(
        "cases",
        ("case_no",),
        (
            _F("case_no", required=True),
            _F(
                "case_kind",
                required=True,
                doc="查处 (administrative enforcement case) or 调解 (dispute mediation); "
                "a ledger's 处理方式 (立案查处/行政处罚 -> 查处, 调解/行政调解 -> 调解, 移送 -> 查处, transferred)",
            ),
            _F("ip_type", doc="专利/商标/地理标志/其他"),
            _F("cause"),
            _F("accepted_date", "date", required=True),
            _F(
                "status",
                doc="受理/办理中/已结案/移送/撤回; empty = 已结案 when there is a 结案日期, else 办理中",
            ),
            _F("closed_date", "date"),
            _F("outcome", doc="for 调解: 调解成功/调解不成; for 查处: 行政处罚/责令整改/不予处罚…"),
            _F("party", personal=True),
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
        ("credit_code",),
        (
            _F("credit_code", required=True),
            _F("name", required=True),
            _F("industry"),
            _F("above_scale", "bool"),
            _F("high_tech", "bool"),
            _F("gb_filed", "bool"),
            _F("gb_passed", "bool"),
            _F("advantage", doc="国家示范/国家优势/省级/…; empty = none"),
            _F("ip_intensive", "bool"),
            _F("patent_standard", "bool"),
            _F(
                "patents_held",
                "int",
                doc="empty = unknown; derived from patent records by credit code or name",
            ),
            _F("trademarks_held", "int"),
            _F("contact", personal=True, doc="联系人 (listed in the 消零 worklists)"),
            _F("phone", personal=True, doc="联系电话 (listed in the 消零 worklists)"),
        ),
    )
)

PLEDGES = _kind(
    Kind(
        "pledges",
        ("pledge_id",),
        (
            _F("pledge_id", required=True),
            _F("pledgor"),
            _F("ip_type", doc="专利/商标/混合"),
            _F("amount_wan", "float", required=True),
            _F("date", "date", required=True),
            _F("pledgee"),
        ),
    )
)

TRAININGS = _kind(
    Kind(
        "trainings",
        ("training_id",),
        (
            _F("training_id", required=True),
            _F("date", "date", required=True),
            _F("title"),
            _F("audience", doc="高管/工程师 (counted by G16)/其他; spellings in data/training_audiences.toml"),
            _F("attendees", "int", required=True),
            _F("organiser"),
        ),
        id_from=("date", "title", "audience"),
        derive="training_audience",
    )
)

SERVICE_ORGS = _kind(
    Kind(
        "service_orgs",
        ("org_id",),
        (
            _F("org_id", required=True),
            _F("name", required=True),
            _F("org_type", doc="代理/律所/运营/评估/其他"),
            _F("status", doc="在营/注销; empty = 在营"),
        ),
        derived=(("active", "INTEGER"),),
        id_from=("name",),
        derive="active_status",
    )
)

NETWORK = _kind(
    Kind(
        "network",
        ("area_code",),
        (
            _F("area", required=True, doc="unit name or code, or park name or code (P01…)"),
            _F("has_office", "bool"),
            _F("office_name"),
            _F("staff", "int"),
            _F("fund_wan", "float"),
            _F("pilot_level", doc="parks only: 国家/省/empty"),
            _F("evidence"),
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
        ("goal_id",),
        (
            _F("goal_id", required=True, doc="G01…G16 or M01…M04"),
            _F("value", "float", doc="numeric goals"),
            _F("done", "bool", doc="milestones"),
            _F("evidence", required=True),
            _F("entered_by"),
            _F("entered_on", "date"),
        ),
        located=False,
        doc="Figures entered by hand with evidence; they override the computed value of that goal.",
        derive="manual_goal",
    )
)

STATISTICS = _kind(
    Kind(
        "statistics",
        ("code", "year", "measure"),
        (
            _F("code", required=True, doc="321283 for the city, a unit's 9-digit code, or a park's code (P01)"),
            _F("year", "int", required=True),
            _F("measure", required=True, doc="常住人口/户籍人口/人口(未注明)/市场主体户数"),
            _F("value", "float", required=True),
            _F("source", required=True),
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
