"""The command line: `python -m txip_geo demo | import | summary | goals | locate | status`."""

from __future__ import annotations

import argparse
import io
import json
import math
import sys
from pathlib import Path

import pandas as pd

from txip_geo import schema
from txip_geo.paths import SAMPLE_DIR

SAMPLE_AS_OF = "2026-10-31"
# Sample files are imported in this order (enterprises before patents is irrelevant to the figures; kept stable).
SAMPLE_ORDER = ["network", "statistics", "manual", "enterprises", "patents", "trademarks", "workstations", "cases",
                "pledges", "trainings", "service_orgs"]
IMPORT_KINDS = list(schema.KINDS) + ["boundaries", "parks"]

SUMMARY_COLUMNS = ["code", "name", "type", "area_km2", "population", "population_year", "patents", "invention_patents",
                   "utility_patents", "design_patents", "patents_valid", "invention_patents_valid",
                   "invention_patents_long", "invention_per_10k", "trademarks", "workstations", "cases",
                   "enforcement_cases", "enforcement_closed", "enforcement_rate", "disputes", "disputes_mediated",
                   "mediation_rate", "enterprises", "above_scale", "high_tech", "zero_patent_above_scale",
                   "zero_patent_high_tech", "pledge_amount_wan", "training_attendees", "service_orgs", "has_office",
                   "staff", "fund_wan"]


def _store(args):
    from txip_geo.store.database import Store

    return Store(args.db)


def _clean(v):
    """JSON-friendly: NaN → None, whole floats → int."""
    if v is None:
        return None
    if isinstance(v, float):
        if math.isnan(v):
            return None
        return int(v) if v.is_integer() else v
    if hasattr(v, "item"):
        return _clean(v.item())
    return v


def _rows(df: pd.DataFrame, cols: list[str]) -> list[dict]:
    cols = [c for c in cols if c in df.columns]
    return [{c: _clean(r[c]) for c in cols} for r in df.to_dict("records")]


def cmd_demo(args) -> int:
    from txip_geo.errors import ImportRejected
    from txip_geo.ingest.pipeline import import_file

    store = _store(args)
    store.clear_records()
    for kind in SAMPLE_ORDER:
        path = SAMPLE_DIR / f"{kind}.csv"
        if not path.exists():
            print(f"缺少样例文件 {path}", file=sys.stderr)
            return 1
        try:
            rep = import_file(store, kind, path, as_of=SAMPLE_AS_OF, user="demo", is_sample=True)
        except ImportRejected as e:
            print(e.report.message, file=sys.stderr)
            return 1
        print(f"[样例数据] {rep.message}")
        _print_details(rep, args.all_warnings)
    print(f"样例数据已载入 {store.path}（截至 {SAMPLE_AS_OF}；样例记录均为虚构，不是真实统计）")
    return 0


#: Warnings listed per file unless --all-warnings is given.
WARNINGS_SHOWN = 20


def _print_details(rep, all_warnings: bool = False) -> None:
    """How ambiguous columns were read, the IDs derived, and the warnings: file, row, column, value and reason each
    (the first WARNINGS_SHOWN, with the count of the rest, unless `all_warnings`)."""
    for line in getattr(rep, "readings", []):
        print(f"  列的读法：{line}")
    derived = getattr(rep, "derived_ids", [])
    if derived:
        shown = "，".join(f"第 {r} 行 {i}" for r, i in derived[:5])
        print(f"  生成的编号 {len(derived)} 个：{shown}" + ("……" if len(derived) > 5 else ""))
    lines = rep.warning_lines(None if all_warnings else WARNINGS_SHOWN)
    for line in lines:
        print("  警告：" + line)
    rest = len(rep.warnings) - len(lines)
    if rest > 0:
        print(f"  ……另有 {rest} 处警告未列出（共 {len(rep.warnings)} 处；加 --all-warnings 列出全部）")


def cmd_import(args) -> int:
    from txip_geo.errors import ImportRejected
    from txip_geo.ingest.pipeline import import_file

    store = _store(args)
    try:
        if args.kind in ("boundaries", "parks"):
            from txip_geo.ingest.boundaries import import_boundaries

            rep = import_boundaries(store, "townships" if args.kind == "boundaries" else "parks", args.file,
                                    datum=args.datum, as_of=args.as_of, user=args.user, source_layer=args.layer_name)
        else:
            rep = import_file(store, args.kind, args.file, as_of=args.as_of, user=args.user,
                              skip_invalid=args.skip_invalid)
    except ImportRejected as e:
        print(e.report.message, file=sys.stderr)
        return 2
    print(rep.message)
    if hasattr(rep, "warning_lines"):  # a record file's report (a boundary import reports otherwise)
        _print_details(rep, args.all_warnings)
    if rep.methods:
        from txip_geo.schema import ASSIGN_METHODS

        print("  归属方式：" + "，".join(f"{ASSIGN_METHODS.get(k, k)} {v}" for k, v in rep.methods.items()))
    return 0


def _rule_args(sp) -> None:
    """The settings that change a goal's counting rule (figures.Settings, rules.py)."""
    sp.add_argument("--training-audience", choices=["plan", "all"], default="plan",
                    help="G16 培训对象：plan＝只计企业知识产权高管、知识产权工程师（方案原文，默认）；all＝全部对象")
    sp.add_argument("--transferred-handled", action="store_true",
                    help="G13：移送公安、司法机关的案件计为查处完成（默认不计为完成）")


def _figures(args):
    from txip_geo.figures.compute import Settings, compute

    s = Settings(long_years=args.long_years, population_base=args.population_base, as_of=args.as_of,
                 training_audience=args.training_audience, transferred_handled=args.transferred_handled)
    return compute(_store(args), s)


def summary_dict(fs) -> dict:
    return {
        "as_of": fs.as_of,
        "snapshots": {k: v for k, v in fs.snapshots.items() if v},
        "boundaries": fs.boundaries,
        "sample": fs.is_sample,
        "units": _rows(fs.units, SUMMARY_COLUMNS),
        "parks": _rows(fs.parks, ["code", "name", "host_code"] + SUMMARY_COLUMNS[3:] + ["pilot_level"]),
        "city": {k: _clean(v) for k, v in fs.city.items()},
        "unassigned": fs.unassigned,
        "outside": fs.outside,
    }


def _emit(df: pd.DataFrame, fmt: str, payload: dict | None = None) -> None:
    if fmt == "json":
        json.dump(payload, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    elif fmt == "csv":
        buf = io.StringIO()
        df.to_csv(buf, index=False)
        sys.stdout.write(buf.getvalue())
    else:
        with pd.option_context("display.max_columns", 20, "display.width", 200, "display.unicode.east_asian_width", True):
            print(df.to_string(index=False))


def cmd_summary(args) -> int:
    fs = _figures(args)
    if fs.is_sample and args.format == "table":
        print("【样例数据】以下数字由虚构样例计算，不是真实统计。")
    if fs.schematic_notice and args.format == "table":
        print("【示意边界】镇街边界为示意，面积按示意边界量算。")
    cols = ["code", "name", "area_km2", "patents", "invention_patents_valid", "trademarks", "workstations", "cases",
            "zero_patent_above_scale"] if args.format == "table" else SUMMARY_COLUMNS
    _emit(fs.units[[c for c in cols if c in fs.units.columns]], args.format, summary_dict(fs))
    return 0


def cmd_goals(args) -> int:
    from txip_geo.figures.goals import evaluate

    fs = _figures(args)
    g = evaluate(fs)
    if args.format == "json":
        payload = {"as_of": fs.as_of, "sample": fs.is_sample,
                   "goals": _rows(g, ["id", "kind", "name", "target", "comparator", "unit", "current", "gap",
                                      "progress", "status", "status_label", "source", "basis", "rule",
                                      "plan_text", "lead"])}
        _emit(g, "json", payload)
    elif args.format == "csv":
        _emit(g, "csv")
    else:
        if fs.is_sample:
            print("【样例数据】以下数字由虚构样例计算，不是真实统计。")
        _emit(g[["id", "name", "target", "comparator", "current", "unit", "gap", "status_label", "lead"]], "table")
    return 0


def cmd_locate(args) -> int:
    from txip_geo.areas.gazetteer import load_gazetteer
    from txip_geo.locate.frame import locate_one
    from txip_geo.schema import ASSIGN_METHODS

    gaz = load_gazetteer()
    store = _store(args)
    loc = locate_one(gaz, address=args.address, lon=args.lon, lat=args.lat, datum=args.datum,
                     townships=store.layer("townships"), parks=store.layer("parks"))
    out = {"unit_code": loc.unit_code, "unit_name": gaz.name_of(loc.unit_code), "park_code": loc.park_code,
           "park_name": gaz.name_of(loc.park_code), "method": loc.method, "method_label": ASSIGN_METHODS.get(loc.method),
           "note": loc.note}
    if args.format == "json":
        print(json.dumps(out, ensure_ascii=False))
    else:
        unit = out["unit_name"] or "（无）"
        park = f"，园区：{out['park_name']}" if out["park_code"] else ""
        print(f"镇街：{unit}{park}（{out['method_label']}：{loc.note}）")
    return 0


def cmd_status(args) -> int:
    store = _store(args)
    imp = store.imports()
    print(f"数据库：{store.path}；边界：{'正式' if store.boundaries_status() == 'official' else '示意'}")
    if imp.empty:
        print("尚未导入任何记录（运行 demo 载入样例，或 import 导入文件）")
        return 0
    for r in imp.itertuples():
        tag = "【样例】" if r.is_sample else ""
        print(f"{tag}{r.kind}\t{r.file_name}\t截至 {r.as_of}\t导入 {r.rows_imported} 条\t{r.imported_at}\t{r.imported_by}")
    return 0


def cmd_user(args) -> int:
    from txip_geo.errors import AuthError
    from txip_geo.store import auth

    store = _store(args)
    try:
        if args.action == "list":
            users = auth.list_users(store)
            if users.empty:
                print("尚未配置用户（应用对所有人开放，并有管理员权限）")
            for r in users.itertuples():
                state = "（停用）" if r.disabled else ""
                print(f"{r.username}\t{r.display_name}\t{auth.ROLE_LABELS[r.role]}{state}\t{r.sso_subject or ''}")
            return 0
        if not args.username:
            print("请给出用户名", file=sys.stderr)
            return 2
        password = args.password
        generated = False
        if args.action == "add" and not password and not args.sso:
            password, generated = auth.new_password(), True
        if args.action == "add":
            auth.add_user(store, args.username, args.role or "viewer", password=password, display_name=args.name or "",
                          sso_subject=args.sso or "", by="cli")
            print(f"已添加用户 {args.username}（{auth.ROLE_LABELS[args.role or 'viewer']}）")
        else:
            if args.reset_password and not password:
                password, generated = auth.new_password(), True
            auth.update_user(store, args.username, role=args.role, password=password,
                             disabled=True if args.disable else (False if args.enable else None), by="cli")
            print(f"已修改用户 {args.username}")
        if generated:
            print(f"初始密码：{password}（请登录后由管理员重设，或妥善转交）")
    except AuthError as e:
        print(str(e), file=sys.stderr)
        return 2
    return 0


def cmd_backup(args) -> int:
    from txip_geo.errors import BackupError
    from txip_geo.store.backup import backup

    store_path = _store(args).path
    try:
        info = backup(store_path, args.output, fmt=args.format)
    except BackupError as e:
        print(str(e), file=sys.stderr)
        return 2
    print(f"已备份 {store_path} → {info.path}（{info.summary()}）")
    for m in info.manifest.get("missing_files", []):
        print(f"  警告：导入记录引用的原始文件不存在：{m}")
    return 0


def cmd_restore(args) -> int:
    from pathlib import Path as _Path

    from txip_geo.errors import BackupError
    from txip_geo.paths import default_db_path
    from txip_geo.store.backup import restore, verify

    db = _Path(args.db) if args.db else default_db_path()
    try:
        if args.check:
            info = verify(args.archive)
            print(f"备份文件 {info.path.name} 完整（{info.manifest.get('created_at')}；{info.summary()}），未恢复")
            return 0
        info = restore(args.archive, db, user=args.user)
    except BackupError as e:
        print(str(e), file=sys.stderr)
        return 2
    print(f"已从 {info.path.name}（{info.manifest.get('created_at')}）恢复到 {db}：{info.summary()}")
    return 0


def cmd_report(args) -> int:
    """联席会议 exports: the PPTX deck, the maps (PNG at print resolution, PDF) or the Excel workbook."""
    import time

    from txip_geo.errors import FontNotFound
    from txip_geo.present import meeting as report
    from txip_geo.present.map_view import INDICATORS
    from txip_geo.render import exports

    if args.indicator not in INDICATORS:
        print(f"未知指标 {args.indicator}；可选：{'、'.join(INDICATORS)}", file=sys.stderr)
        return 2
    fs = _figures(args)
    if not fs.has_records:
        print("数据库中还没有记录：先导入数据，或运行 demo 载入样例", file=sys.stderr)
        return 1
    out = Path(args.out) if args.out else Path(report.file_name(args.format, fs))
    t0 = time.perf_counter()
    try:
        data = exports.build(args.format, fs, report.Layers.from_store(_store(args)), indicator=args.indicator,
                            internal=not args.public, only_gaps=args.only_gaps, which=args.map, dpi=args.dpi)
    except FontNotFound as e:
        print(str(e), file=sys.stderr)
        return 1
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    notes = [n for n, on in (("样例数据", fs.is_sample), ("示意边界", bool(fs.schematic_notice)),
                             ("内部资料", not args.public)) if on]
    print(f"已生成 {out}（{len(data) / 1024:.0f} KB，{time.perf_counter() - t0:.1f} 秒"
          + (f"；{'、'.join(notes)}" if notes else "") + "）")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m txip_geo", description="泰兴市知识产权三级网络地图：数据与指标命令行")
    p.add_argument("--db", help="数据库文件（默认 var/txip.sqlite，或环境变量 TXIP_DB）")
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp):
        sp.add_argument("--db", default=argparse.SUPPRESS, help="数据库文件")
        return sp

    sp = common(sub.add_parser("demo", help="用样例数据（虚构）重建数据库"))
    sp.add_argument("--all-warnings", action="store_true", help=f"列出全部警告（默认每个文件列出前 {WARNINGS_SHOWN} 处）")
    sp.set_defaults(func=cmd_demo)

    sp = common(sub.add_parser("import", help="导入一个文件"))
    sp.add_argument("kind", choices=IMPORT_KINDS)
    sp.add_argument("file")
    sp.add_argument("--as-of", help="数据截至日期 YYYY-MM-DD（默认今天）")
    sp.add_argument("--datum", help="坐标系（边界文件没有坐标系信息时必填；也可覆盖文件声明的坐标系）："
                    "WGS84 / CGCS2000 / GCJ02（高德、腾讯经纬度），或投影坐标系的 EPSG 代码，如 EPSG:4549"
                    "（CGCS2000 3度带 中央经线120°，无带号）、EPSG:4528（3度带第40带，有带号）")
    sp.add_argument("--layer-name", help="边界文件含多个图层时要导入的图层名")
    sp.add_argument("--skip-invalid", action="store_true", help="跳过有错误的行，导入其余行（默认整文件拒绝）")
    sp.add_argument("--user", default="cli", help="导入人")
    sp.add_argument("--all-warnings", action="store_true", help=f"列出全部警告（默认列出前 {WARNINGS_SHOWN} 处）")
    sp.set_defaults(func=cmd_import)

    for name, func, helptext in (("summary", cmd_summary, "各镇街、园区的数字"), ("goals", cmd_goals, "方案目标完成情况")):
        sp = common(sub.add_parser(name, help=helptext))
        sp.add_argument("--format", choices=["json", "csv", "table"], default="table")
        sp.add_argument("--as-of", help="使用该日期（含）之前的最新快照")
        sp.add_argument("--long-years", type=int, default=10, help="高维持发明专利的维持年限阈值（默认 10）")
        sp.add_argument("--population-base", choices=["常住", "户籍"], default="常住", help="万人指标的人口口径")
        _rule_args(sp)
        sp.set_defaults(func=func)

    sp = common(sub.add_parser("locate", help="地址（或坐标）属于哪个镇街、园区，为什么"))
    sp.add_argument("address", nargs="?", default="")
    sp.add_argument("--lon", type=float)
    sp.add_argument("--lat", type=float)
    sp.add_argument("--datum", default="")
    sp.add_argument("--format", choices=["json", "text"], default="text")
    sp.set_defaults(func=cmd_locate)

    common(sub.add_parser("status", help="已导入的文件")).set_defaults(func=cmd_status)

    sp = common(sub.add_parser("user", help="用户与角色：list | add NAME | set NAME"))
    sp.add_argument("action", choices=["list", "add", "set"])
    sp.add_argument("username", nargs="?")
    sp.add_argument("--role", choices=["viewer", "editor", "admin"], help="查看 / 编辑 / 管理员")
    sp.add_argument("--name", help="姓名")
    sp.add_argument("--password", help="密码（不给则生成一个并显示）")
    sp.add_argument("--sso", help="统一身份认证（OIDC）账号或邮箱")
    sp.add_argument("--reset-password", action="store_true")
    sp.add_argument("--disable", action="store_true")
    sp.add_argument("--enable", action="store_true")
    sp.set_defaults(func=cmd_user)

    sp = common(sub.add_parser("report", help="联席会议导出：演示文稿 pptx、地图 pdf/png、Excel 工作簿 xlsx"))
    sp.add_argument("--format", choices=["pptx", "pdf", "png", "xlsx"], required=True)
    sp.add_argument("--out", help="输出文件（默认按格式和数据截至日期命名，写在当前目录）")
    sp.add_argument("--indicator", default="patents", help="地图指标（默认 patents 专利总量；另有 invention_patents、"
                    "invention_patents_valid、invention_per_10k、trademarks、workstations、cases、zero_patent_above_scale、"
                    "zero_patent_high_tech）")
    sp.add_argument("--map", choices=["indicator", "gaps"], default="indicator", help="png：指标地图或缺口地图")
    sp.add_argument("--dpi", type=int, default=300, help="png 分辨率（默认 300）")
    sp.add_argument("--only-gaps", action="store_true", help="pptx：只为有缺口的镇街各做一页")
    sp.add_argument("--public", action="store_true", help="不标注“内部资料”")
    sp.add_argument("--as-of", help="使用该日期（含）之前的最新快照")
    sp.add_argument("--long-years", type=int, default=10, help="高维持发明专利的维持年限阈值（默认 10）")
    sp.add_argument("--population-base", choices=["常住", "户籍"], default="常住", help="万人指标的人口口径")
    _rule_args(sp)
    sp.set_defaults(func=cmd_report)

    sp = common(sub.add_parser("backup", help="备份数据库和原始文件到一个 .zip 或 .tar.gz"))
    sp.add_argument("output", nargs="?", help="备份文件或文件夹（默认 数据库所在目录/backups/）")
    sp.add_argument("--format", choices=["zip", "tar.gz"], help="未给文件名时的格式（默认 zip）")
    sp.set_defaults(func=cmd_backup)

    sp = common(sub.add_parser("restore", help="从备份恢复数据库和原始文件（先完整校验，校验不通过不作任何改动）"))
    sp.add_argument("archive")
    sp.add_argument("--check", action="store_true", help="只校验备份文件，不恢复")
    sp.add_argument("--user", default="cli", help="操作人（记入审计日志）")
    sp.set_defaults(func=cmd_restore)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)
