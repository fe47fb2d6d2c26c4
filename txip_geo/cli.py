"""The command line: `python -m txip_geo demo | import | jobs | worker | summary | goals | tasks | locate | status |
user | report | backup | restore`.

Length: one short function per subcommand and the one argparse table that lists them all; a subcommand's work lives
in the wings, only its arguments and its printed lines are here."""

from __future__ import annotations

import argparse
import io
import json
import math
import sqlite3
import sys
from pathlib import Path

import pandas as pd

from txip_geo import schema
from txip_geo.figures.baseline import BASELINE
from txip_geo.ingest import sample
from txip_geo.strings import t

# The sample's dates and files live with its loader (txip_geo.ingest.sample); named here for the callers that had them.
SAMPLE_AS_OF, SAMPLE_BASELINE_AS_OF, SAMPLE_ORDER = (
    sample.SAMPLE_AS_OF,
    sample.SAMPLE_BASELINE_AS_OF,
    sample.SAMPLE_ORDER,
)
IMPORT_KINDS = list(schema.KINDS) + ["boundaries", "parks", "tasks"]

SUMMARY_COLUMNS = [
    "code",
    "name",
    "type",
    "area_km2",
    "population",
    "population_year",
    "patents",
    "invention_patents",
    "utility_patents",
    "design_patents",
    "patents_valid",
    "invention_patents_valid",
    "invention_patents_long",
    "invention_per_10k",
    "trademarks",
    "workstations",
    "cases",
    "enforcement_cases",
    "enforcement_closed",
    "enforcement_rate",
    "disputes",
    "disputes_mediated",
    "mediation_rate",
    "enterprises",
    "above_scale",
    "high_tech",
    "zero_patent_above_scale",
    "zero_patent_high_tech",
    # the enterprise tier per area (issue #18): G05 and its base, G07, the enterprises of G08–G11
    "market_entities",
    "trademarks_per_10k_entities",
    "gb_filed_rate",
    "gb_passed",
    "advantage_national",
    "ip_intensive",
    "patent_standard",
    "pledge_amount_wan",
    "training_attendees",
    "service_orgs",
    "has_office",
    "staff",
    "fund_wan",
]


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
    """Rebuild the store from the sample: its baseline snapshot, then its current one (ingest.sample.load_sample)."""
    from txip_geo.errors import ImportRejected

    def shown(_file, rep) -> None:
        print(t("cli.sample_tag", message=rep.message))
        _print_details(rep, args.all_warnings)

    store = _store(args)
    try:
        sample.load_sample(store, "demo", on_report=shown)
    except FileNotFoundError as e:
        print(t("cli.sample_missing", path=e.args[0]), file=sys.stderr)
        return 1
    except ImportRejected as e:
        print(e.report.message, file=sys.stderr)
        return 1
    from txip_geo.store.tasks import import_sheet

    print(t("cli.sample_tag", message=import_sheet(store, sample.SAMPLE_TASKS, user="demo").message))
    print(t("sample.loaded", path=store.path, baseline=SAMPLE_BASELINE_AS_OF, as_of=SAMPLE_AS_OF))
    return 0


#: Warnings listed per file unless --all-warnings is given.
WARNINGS_SHOWN = 20


def _print_details(rep, all_warnings: bool = False) -> None:
    """How ambiguous columns were read, the IDs derived, and the warnings: file, row, column, value and reason each
    (the first WARNINGS_SHOWN, with the count of the rest, unless `all_warnings`)."""
    for line in getattr(rep, "readings", []):
        print(t("cli.readings", line=line))
    derived = getattr(rep, "derived_ids", [])
    if derived:
        shown = t("cli.derived_sep").join(t("cli.derived_id", row=r, id=i) for r, i in derived[:5])
        print(t("cli.derived", n=len(derived), shown=shown) + (t("cli.derived_more") if len(derived) > 5 else ""))
    lines = rep.warning_lines(None if all_warnings else WARNINGS_SHOWN)
    for line in lines:
        print(t("cli.warning") + line)
    rest = len(rep.warnings) - len(lines)
    if rest > 0:
        print(t("cli.warnings_rest", rest=rest, total=len(rep.warnings)))


def cmd_import(args) -> int:
    from txip_geo.errors import ImportRejected
    from txip_geo.ingest.pipeline import import_file

    store = _store(args)
    if args.background:
        return _enqueue(store, args)
    if args.kind == "tasks":
        return _import_tasks(store, args)
    try:
        if args.kind in ("boundaries", "parks"):
            from txip_geo.ingest.boundaries import import_boundaries

            rep = import_boundaries(
                store,
                "townships" if args.kind == "boundaries" else "parks",
                args.file,
                datum=args.datum,
                as_of=args.as_of,
                user=args.user,
                source_layer=args.layer_name,
                accept_coverage_problems=args.accept_coverage_problems,
            )
        else:
            rep = import_file(
                store, args.kind, args.file, as_of=args.as_of, user=args.user, skip_invalid=args.skip_invalid
            )
    except ImportRejected as e:
        print(e.report.message, file=sys.stderr)
        return 2
    print(rep.message)
    if hasattr(rep, "warning_lines"):  # a record file's report (a boundary import reports otherwise)
        _print_details(rep, args.all_warnings)
    if rep.methods:
        from txip_geo.schema import ASSIGN_METHODS

        print(
            t("cli.methods")
            + t("cli.methods_sep").join(
                t("cli.method", label=ASSIGN_METHODS.get(k, k), n=v) for k, v in rep.methods.items()
            )
        )
    return 0


def _enqueue(store, args) -> int:
    """`import --background`: the file goes into the job queue (store.jobs); a worker imports it."""
    from txip_geo.store import jobs

    if args.kind not in schema.KINDS:
        print(t("jobs.background_kinds", kind=args.kind), file=sys.stderr)
        return 2
    path = Path(args.file)
    if not path.is_file():
        print(t("ingest.unreadable", file=path.name, error=t("jobs.no_file")), file=sys.stderr)
        return 2
    options = {"as_of": args.as_of, "skip_invalid": bool(args.skip_invalid)}
    job_id = jobs.for_store(store).enqueue(args.kind, path, path.name, options=options, who=args.user)
    print(t("jobs.queued_cli", id=job_id, file=path.name))
    return 0


def cmd_jobs(args) -> int:
    """The job queue, newest first: id, kind, file, who, state, rows, times, result or reason."""
    from txip_geo.store import job_runner, jobs

    queue = jobs.for_store(_store(args))
    queue.reap(job_runner.gone_reason)
    rows = [
        {
            "id": j.id,
            "kind": j.kind,
            "file": j.file_name,
            "who": j.who,
            "state": j.state,
            "rows_done": j.rows_done,
            "rows_total": j.rows_total,
            "created_at": j.created_at,
            "started_at": j.started_at,
            "finished_at": j.finished_at,
            "import_id": j.import_id,
            "result": j.error if j.state == "failed" else j.message,
        }
        for j in queue.recent(args.limit)
    ]
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    for r in rows:
        print(
            t(
                "jobs.line",
                id=r["id"],
                kind=schema.KINDS[r["kind"]].label if r["kind"] in schema.KINDS else r["kind"],
                file=r["file"],
                who=r["who"],
                state=t(f"jobs.state_{r['state']}"),
                at=r["finished_at"] or r["started_at"] or r["created_at"],
            )
        )
        if r["result"]:
            print("  " + " ".join(str(r["result"]).split())[:500])
    if not rows:
        print(t("jobs.none"))
    return 0


def cmd_worker(args) -> int:
    """Run queued import jobs (store.job_runner) until stopped, or with --once until the queue is empty."""
    from txip_geo.store import job_runner

    job_runner.run_worker(_store(args), once=args.once, poll=args.poll, parent=args.parent, nice=args.nice)
    return 0


def _import_tasks(store, args) -> int:
    """A task-progress sheet (任务进展表) into the task register; a bad file exits 2 and writes nothing."""
    from txip_geo.errors import ImportRejected
    from txip_geo.store.tasks import import_sheet

    try:
        result = import_sheet(store, Path(args.file), user=args.user)
    except ImportRejected as e:
        print(e.report.message, file=sys.stderr)
        return 2
    except OSError as e:
        print(t("ingest.unreadable", file=Path(args.file).name, error=e), file=sys.stderr)
        return 2
    print(result.message)
    return 0


def cmd_tasks(args) -> int:
    """The 13 tasks of the plan: lead and cooperating units, status, progress, evidence files."""
    from txip_geo.present import task_view

    store = _store(args)
    if args.format == "json":
        _emit(pd.DataFrame(), "json", {"tasks": task_view.tasks_payload(store)})
        return 0
    table = task_view.cli_table(task_view.task_register(store), readable=args.format == "table")
    if args.format == "csv":
        _emit(table, "csv")
    else:
        _emit(table[["id", "name", "status_label", "updated_at", "updated_by", "evidence_count", "lead"]], "table")
    return 0


def cmd_enterprise(args) -> int:
    """Enterprises whose name, old name or credit code contains QUERY, or whose 拼音 initials do, as profiles
    (figures.enterprises; personal fields masked with --public). Unusable rename-table rows are reported on stderr."""
    from txip_geo.figures import enterprises as en
    from txip_geo.figures.names import default_renames
    from txip_geo.present import enterprise_view

    for line in default_renames().problems:
        print(line, file=sys.stderr)
    fs = _figures(args)
    hits = en.search_enterprises(fs, args.query, limit=args.limit)
    profiles = (
        [enterprise_view.profile_payload(en.profile(fs, c), not args.public) for c in hits["credit_code"]]
        if len(hits)
        else []
    )
    if args.format == "json":
        _emit(pd.DataFrame(), "json", {"query": args.query, "sample": fs.is_sample, "enterprises": profiles})
        return 0
    if fs.is_sample:
        print(t("cli.sample_notice"))
    if not profiles:
        print(t("enterprise.cli_none", query=args.query))
        return 0
    rows = [
        {
            "credit_code": p["credit_code"],
            "name": p["name"],
            "township": p["township"] or "",
            "park": p["park"] or "",
            "patents_held": p["patents"]["held"],
            "patents_matched": p["patents"]["matched_valid"],
            "trademarks_held": p["trademarks"]["held"],
            "trademarks_matched": p["trademarks"]["matched_valid"],
            "cases": len(p["cases"]),
        }
        for p in profiles
    ]
    _emit(pd.DataFrame(rows), "table")
    return 0


def _base_args(sp) -> None:
    """The settings of a view's bases: the long-maintenance threshold and the population base (figures.Settings)."""
    from txip_geo.figures.compute import POPULATION_BASES, Settings

    default = Settings()
    sp.add_argument(
        "--long-years", type=int, default=default.long_years, help=t("cli_help.long_years", years=default.long_years)
    )
    sp.add_argument(
        "--population-base",
        choices=list(POPULATION_BASES),
        default=default.population_base,
        help=t("cli_help.population_base"),
    )


def _rule_args(sp) -> None:
    """The settings that change a goal's counting rule (figures.Settings, rules.py)."""
    from txip_geo.figures.compute import Settings

    sp.add_argument(
        "--training-audience",
        choices=["plan", "all"],
        default=Settings().training_audience,
        help=t("cli_help.training_audience"),
    )
    sp.add_argument("--transferred-handled", action="store_true", help=t("cli_help.transferred_handled"))
    sp.add_argument("--industry-all-classes", action="store_true", help=t("industries.cli_all_classes"))


def _settings(args):
    from txip_geo.figures.compute import Settings

    return Settings(
        long_years=args.long_years,
        population_base=args.population_base,
        as_of=args.as_of,
        training_audience=args.training_audience,
        transferred_handled=args.transferred_handled,
        industry_all_classes=getattr(args, "industry_all_classes", False),
    )


def _figures(args):
    from txip_geo.figures.compute import compute

    return compute(_store(args), _settings(args))


def _comparison(args, series: bool = False):
    from txip_geo.figures.baseline import compare

    return compare(_store(args), _settings(args), args.baseline, series=series)


def _change_rows(comp, layer: str) -> list[dict]:
    """Per area: code, name and for each compared metric {baseline, current, change, rank_then, rank_now, method}."""
    a = comp.areas[comp.areas["layer"] == layer]
    out = []
    for code, g in a.groupby("code", sort=False):
        row = {"code": code, "name": g["name"].iloc[0]}
        for r in g.to_dict("records"):
            row[r["metric"]] = {
                k: _clean(r[k]) for k in ("baseline", "current", "change", "rank_then", "rank_now", "baseline_method")
            }
        out.append(row)
    return out


def baseline_dict(comp) -> dict:
    """summary --baseline: the figures then (as summary_dict gives them now) and each area's change."""
    then = summary_dict(comp.then)
    return {
        "date": comp.baseline,
        "current": comp.current,
        "methods": {k: {"method": p.method, "snapshot": p.source} for k, p in comp.plan.items()},
        "units": then["units"],
        "parks": then["parks"],
        "city": then["city"],
        "change": {"units": _change_rows(comp, "units"), "parks": _change_rows(comp, "parks")},
    }


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


def add_industries(payload: dict, fs) -> None:
    """Each unit and park of a summary payload gains `industries` {industry: {patents, invention_patents_valid,
    invention_patents_long}}, the city too; `industry_labels` names them, `industry_report` says what was not
    counted (design patents, codes that are no IPC notation)."""
    from txip_geo.figures import industries

    ind = industries.industry_figures(fs)
    for layer in ("units", "parks"):
        for row in payload[layer]:
            row["industries"] = ind.as_dict(layer, row["code"])
    payload["city"]["industries"] = {
        i: {m: int(ind.city.loc[i, m]) for m in industries.MEASURES} for i in industries.INDUSTRIES
    }
    payload["industry_labels"] = {i: industries.label(i) for i in industries.INDUSTRIES}
    r = ind.report
    payload["industry_report"] = {
        "all_classes": ind.all_classes,
        "design": r.design,
        "no_code": r.no_code,
        "unmapped": r.unmapped,
        "malformed": r.malformed,
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
        with pd.option_context(
            "display.max_columns", 20, "display.width", 200, "display.unicode.east_asian_width", True
        ):
            print(df.to_string(index=False))


def cmd_summary(args) -> int:
    comp = _comparison(args) if args.baseline else None
    fs = comp.now if comp else _figures(args)
    if fs.is_sample and args.format == "table":
        print(t("cli.sample_notice"))
    if fs.schematic_notice and args.format == "table":
        print(t("cli.schematic_notice"))
    cols = (
        [
            "code",
            "name",
            "area_km2",
            "patents",
            "invention_patents_valid",
            "trademarks",
            "workstations",
            "cases",
            "zero_patent_above_scale",
        ]
        if args.format == "table"
        else SUMMARY_COLUMNS
    )
    payload = summary_dict(fs)
    if args.format == "json":
        add_industries(payload, fs)
    table = fs.units[[c for c in cols if c in fs.units.columns]]
    if comp is not None:
        payload["baseline"] = baseline_dict(comp)
        table = _with_baseline(table, comp)
    _emit(table, args.format, payload)
    return 0


def _with_baseline(table: pd.DataFrame, comp) -> pd.DataFrame:
    """The table and, for each of its metrics, its baseline value and change (columns METRIC_baseline, _change)."""
    a = comp.areas[comp.areas["layer"] == "units"].set_index(["code", "metric"])
    out = table.copy()
    for col in table.columns:
        if (table["code"].iloc[0], col) in a.index if len(table) else False:
            out[f"{col}_baseline"] = [a.loc[(c, col), "baseline"] for c in table["code"]]
            out[f"{col}_change"] = [a.loc[(c, col), "change"] for c in table["code"]]
    return out


def cmd_goals(args) -> int:
    from txip_geo.figures.goals import evaluate

    comp = _comparison(args, series=True) if args.baseline else None
    fs = comp.now if comp else _figures(args)
    g = comp.goals if comp else evaluate(fs)
    extra = ["baseline", "change", "baseline_method", "baseline_method_label", "baseline_note"] if comp else []
    if args.format == "json":
        payload = {
            "as_of": fs.as_of,
            "sample": fs.is_sample,
            **({"baseline": comp.baseline, "series": _series(comp)} if comp else {}),
            "goals": _rows(
                g,
                [
                    "id",
                    "kind",
                    "name",
                    "target",
                    "comparator",
                    "unit",
                    "current",
                    "gap",
                    "progress",
                    "status",
                    "status_label",
                    "source",
                    "basis",
                    "rule",
                    "plan_text",
                    "lead",
                    *extra,
                ],
            ),
        }
        _emit(g, "json", payload)
    elif args.format == "csv":
        _emit(g, "csv")
    else:
        if fs.is_sample:
            print(t("cli.sample_notice"))
        cols = ["id", "name", "target", "comparator"] + (["baseline"] if comp else []) + ["current", "unit"]
        cols += (["change", "baseline_method_label"] if comp else []) + ["gap", "status_label", "lead"]
        _emit(g[cols], "table")
    return 0


def _series(comp) -> dict:
    """goals --baseline: each dated goal's value (and the year's own amount) per year end."""
    out: dict = {}
    for r in comp.series.to_dict("records"):
        out.setdefault(r["goal_id"], []).append(
            {k: _clean(r[k]) for k in ("year", "date", "value", "annual", "method")}
        )
    return out


def cmd_locate(args) -> int:
    from txip_geo.areas.gazetteer import load_gazetteer
    from txip_geo.locate.frame import locate_one
    from txip_geo.schema import ASSIGN_METHODS

    gaz = load_gazetteer()
    store = _store(args)
    loc = locate_one(
        gaz,
        address=args.address,
        lon=args.lon,
        lat=args.lat,
        datum=args.datum,
        townships=store.layer("townships"),
        parks=store.layer("parks"),
    )
    out = {
        "unit_code": loc.unit_code,
        "unit_name": gaz.name_of(loc.unit_code),
        "park_code": loc.park_code,
        "park_name": gaz.name_of(loc.park_code),
        "method": loc.method,
        "method_label": ASSIGN_METHODS.get(loc.method),
        "note": loc.note,
    }
    if args.format == "json":
        print(json.dumps(out, ensure_ascii=False))
    else:
        unit = out["unit_name"] or t("cli.no_unit")
        park = t("cli.locate_park", park=out["park_name"]) if out["park_code"] else ""
        print(t("cli.locate", unit=unit, park=park, method=out["method_label"], note=loc.note))
    return 0


def cmd_status(args) -> int:
    store = _store(args)
    imp = store.imports()
    official = store.boundaries_status() == "official"
    print(
        t(
            "cli.status_store",
            path=store.path,
            boundaries=t("cli.status_official" if official else "cli.status_schematic"),
        )
    )
    if imp.empty:
        print(t("cli.status_empty"))
        return 0
    for r in imp.itertuples():
        tag = t("cli.status_sample_tag") if r.is_sample else ""
        print(
            t(
                "cli.status_row",
                tag=tag,
                kind=r.kind,
                file=r.file_name,
                as_of=r.as_of,
                n=r.rows_imported,
                at=r.imported_at,
                by=r.imported_by,
            )
        )
    return 0


def cmd_user(args) -> int:
    from txip_geo.errors import AuthError
    from txip_geo.store import auth

    store = _store(args)
    try:
        if args.action == "list":
            users = auth.list_users(store)
            if users.empty:
                print(t("cli.no_users"))
            for r in users.itertuples():
                state = t("cli.user_disabled") if r.disabled else ""
                print(f"{r.username}\t{r.display_name}\t{auth.ROLE_LABELS[r.role]}{state}\t{r.sso_subject or ''}")
            return 0
        if args.action == "locks":
            return _user_locks(store)
        if not args.username:
            print(t("cli.no_username"), file=sys.stderr)
            return 2
        if args.action == "unlock":
            auth.unlock(store, args.username, client=args.client, by="cli")
            print(t("auth_throttle.cli_unlocked", who=args.username))
            return 0
        password = args.password
        generated = False
        if args.action == "add" and not password and not args.sso:
            password, generated = auth.new_password(), True
        if args.action == "add":
            auth.add_user(
                store,
                args.username,
                args.role or "viewer",
                password=password,
                display_name=args.name or "",
                sso_subject=args.sso or "",
                by="cli",
            )
            print(t("cli.user_added", name=args.username, role=auth.ROLE_LABELS[args.role or "viewer"]))
        else:
            if args.reset_password and not password:
                password, generated = auth.new_password(), True
            auth.update_user(
                store,
                args.username,
                role=args.role,
                password=password,
                disabled=True if args.disable else (False if args.enable else None),
                by="cli",
            )
            print(t("cli.user_updated", name=args.username))
        if generated:
            print(t("cli.initial_password", password=password))
    except AuthError as e:
        print(str(e), file=sys.stderr)
        return 2
    return 0


def _user_locks(store) -> int:
    from txip_geo.store import throttle

    locks = throttle.locks(store)
    if locks.empty:
        print(t("auth_throttle.cli_no_locks"))
    for r in locks.itertuples():
        scope = t(f"auth_throttle.scope_{r.scope}")
        print(t("auth_throttle.cli_lock_line", scope=scope, who=r.key, until=r.until, n=r.lockouts))
    return 0


def cmd_backup(args) -> int:
    from txip_geo.errors import BackupError
    from txip_geo.store.backup import backup

    store = _store(args)  # a file or a postgresql:// store: the same archive
    store_path = store.path
    try:
        info = backup(store, args.output, fmt=args.format)
    except BackupError as e:
        print(str(e), file=sys.stderr)
        return 2
    print(t("cli.backed_up", db=store_path, path=info.path, summary=info.summary()))
    for m in info.manifest.get("missing_files", []):
        print(t("cli.backup_missing_file", file=m))
    return 0


def cmd_migrate(args) -> int:
    from txip_geo.store.database import Store
    from txip_geo.store.migrate import MigrateError, copy_store

    src = _store(args)
    try:
        dst = Store(args.to)
        copied = copy_store(src, dst)
    except (MigrateError, sqlite3.Error) as e:
        print(str(e), file=sys.stderr)
        return 2
    summary = "，".join(t("migrate.table_rows", table=k, n=n) for k, n in copied.items() if n)
    print(t("migrate.done", src=src.backend, dst=dst.backend, summary=summary))
    return 0


def _accepted_note(info) -> None:
    from txip_geo.store import backup_sign

    if info.signature != backup_sign.VALID:
        print(t("backup_sign.cli_accepted", why=backup_sign.reason(info.signature)), file=sys.stderr)


def cmd_restore(args) -> int:
    import os

    from txip_geo.errors import BackupError
    from txip_geo.paths import ENV_DB, default_db_path
    from txip_geo.store.backup import restore, verify

    db = args.db or os.environ.get(ENV_DB) or default_db_path()  # a path or a postgresql:// URL
    try:
        if args.check:
            info = verify(args.archive, db, accept_unsigned=args.accept_unsigned)
            print(
                t(
                    "cli.verified",
                    name=info.path.name,
                    created_at=info.manifest.get("created_at"),
                    summary=info.summary(),
                )
            )
            _accepted_note(info)
            return 0
        info = restore(args.archive, db, user=args.user, accept_unsigned=args.accept_unsigned)
    except BackupError as e:
        print(str(e), file=sys.stderr)
        return 2
    _accepted_note(info)
    print(
        t(
            "cli.restored",
            name=info.path.name,
            created_at=info.manifest.get("created_at"),
            db=db,
            summary=info.summary(),
        )
    )
    return 0


# report formats made from a baseline comparison (figures.baseline): the GIS layers and the Word 自评报告.
BASELINE_FORMATS = ("gpkg", "shp", "docx")


def _report_baseline(args) -> int:
    """report --format gpkg|shp: the per-township and per-park figures (baseline, current, change) as GIS layers;
    --format docx: the 自评报告 draft in Word."""
    import time

    from txip_geo.render import acceptance, gis

    t0 = time.perf_counter()
    comp = _comparison(args, series=args.format == "docx")
    if not comp.now.has_records:
        print(t("cli.no_records"), file=sys.stderr)
        return 1
    if args.format == "docx":
        out = Path(args.out) if args.out else Path(acceptance.file_name(comp))
        data = acceptance.self_review_docx(comp, _store(args), internal=not args.public)
    else:
        out = Path(args.out) if args.out else Path(gis.file_name(args.format, comp))
        data = gis.gis_export(comp, _store(args), args.format, internal=not args.public)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    notes = [t(k) for k, on in (("cli.note_sample", comp.is_sample), ("cli.note_internal", not args.public)) if on]
    print(
        t(
            "cli.written",
            path=out,
            kb=f"{len(data) / 1024:.0f}",
            seconds=f"{time.perf_counter() - t0:.1f}",
            notes=t("cli.notes", notes=t("cli.notes_sep").join(notes)) if notes else "",
        )
    )
    return 0


def cmd_report(args) -> int:
    """联席会议 exports: the PPTX deck, the maps (PNG at print resolution, PDF) or the Excel workbook."""
    import time

    from txip_geo.errors import FontNotFound
    from txip_geo.present import meeting as report
    from txip_geo.present.map_view import INDICATORS
    from txip_geo.render import exports

    if args.format in BASELINE_FORMATS:
        return _report_baseline(args)
    if args.indicator not in INDICATORS:
        print(
            t("cli.unknown_indicator", indicator=args.indicator, choices=t("cli.indicators_sep").join(INDICATORS)),
            file=sys.stderr,
        )
        return 2
    fs = _figures(args)
    if not fs.has_records:
        print(t("cli.no_records"), file=sys.stderr)
        return 1
    out = Path(args.out) if args.out else Path(report.file_name(args.format, fs))
    t0 = time.perf_counter()
    store = _store(args)
    try:
        data = exports.build(
            args.format,
            fs,
            report.Layers.from_store(store),
            indicator=args.indicator,
            internal=not args.public,
            only_gaps=args.only_gaps,
            which=args.map,
            dpi=args.dpi,
            store=store,  # the deck's 三年变化 section, the workbook's baseline sheets
            baseline=args.baseline,
        )
    except FontNotFound as e:
        print(str(e), file=sys.stderr)
        return 1
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    notes = [
        t(key)
        for key, on in (
            ("cli.note_sample", fs.is_sample),
            ("cli.note_schematic", bool(fs.schematic_notice)),
            ("cli.note_internal", not args.public),
        )
        if on
    ]
    print(
        t(
            "cli.written",
            path=out,
            kb=f"{len(data) / 1024:.0f}",
            seconds=f"{time.perf_counter() - t0:.1f}",
            notes=t("cli.notes", notes=t("cli.notes_sep").join(notes)) if notes else "",
        )
    )
    return 0


def _iso_date(value: str) -> str:
    """An argument that must be a date (YYYY-MM-DD): a clear message, not a traceback from deep in the counting."""
    from datetime import date

    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(t("baseline_view.bad_date", value=value)) from None


def build_parser() -> argparse.ArgumentParser:

    p = argparse.ArgumentParser(prog="python -m txip_geo", description=t("cli_help.description"))
    p.add_argument("--db", help=t("cli_help.db"))
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp):
        sp.add_argument("--db", default=argparse.SUPPRESS, help=t("cli_help.db_common"))
        return sp

    sp = common(sub.add_parser("demo", help=t("cli_help.cmd_demo")))
    sp.add_argument("--all-warnings", action="store_true", help=t("cli_help.all_warnings", n=WARNINGS_SHOWN))
    sp.set_defaults(func=cmd_demo)

    sp = common(sub.add_parser("import", help=t("cli_help.cmd_import")))
    sp.add_argument("kind", choices=IMPORT_KINDS)
    sp.add_argument("file")
    sp.add_argument("--as-of", help=t("cli_help.as_of"))
    sp.add_argument("--datum", help=t("cli_help.datum"))
    sp.add_argument("--layer-name", help=t("cli_help.layer_name"))
    sp.add_argument("--skip-invalid", action="store_true", help=t("cli_help.skip_invalid"))
    sp.add_argument("--accept-coverage-problems", action="store_true", help=t("boundary_coverage.cli_help"))
    sp.add_argument("--user", default="cli", help=t("cli_help.user"))
    sp.add_argument("--all-warnings", action="store_true", help=t("cli_help.all_warnings_import", n=WARNINGS_SHOWN))
    sp.add_argument("--background", action="store_true", help=t("jobs.cli_help_background"))
    sp.set_defaults(func=cmd_import)

    sp = common(sub.add_parser("jobs", help=t("jobs.cli_help_jobs")))
    sp.add_argument("--format", choices=["json", "table"], default="table")
    sp.add_argument("--limit", type=int, default=50, help=t("jobs.cli_help_limit"))
    sp.set_defaults(func=cmd_jobs)

    sp = common(sub.add_parser("worker", help=t("jobs.cli_help_worker")))
    sp.add_argument("--once", action="store_true", help=t("jobs.cli_help_once"))
    sp.add_argument("--poll", type=float, default=1.0)
    sp.add_argument("--parent", type=int, help=t("jobs.cli_help_parent"))
    sp.add_argument("--nice", type=int, default=10, help=t("jobs.cli_help_nice", n=10))
    sp.set_defaults(func=cmd_worker)

    for name, func in (("summary", cmd_summary), ("goals", cmd_goals)):
        sp = common(sub.add_parser(name, help=t(f"cli_help.cmd_{name}")))
        sp.add_argument("--format", choices=["json", "csv", "table"], default="table")
        sp.add_argument("--as-of", help=t("cli_help.as_of_snapshot"))
        sp.add_argument("--baseline", metavar="DATE", type=_iso_date, help=t("cli_help.baseline"))
        _base_args(sp)
        _rule_args(sp)
        sp.set_defaults(func=func)

    sp = common(sub.add_parser("tasks", help=t("tasks.cli_help")))
    sp.add_argument("--format", choices=["json", "csv", "table"], default="table")
    sp.set_defaults(func=cmd_tasks)

    sp = common(sub.add_parser("enterprise", help=t("enterprise.cli_help")))
    sp.add_argument("query", help=t("enterprise.cli_query"))
    sp.add_argument("--format", choices=["json", "table"], default="table")
    sp.add_argument("--limit", type=int, default=20)
    sp.add_argument("--public", action="store_true", help=t("enterprise.cli_public"))
    sp.add_argument("--as-of", help=t("cli_help.as_of_snapshot"))
    _base_args(sp)
    _rule_args(sp)
    sp.set_defaults(func=cmd_enterprise)

    sp = common(sub.add_parser("locate", help=t("cli_help.cmd_locate")))
    sp.add_argument("address", nargs="?", default="")
    sp.add_argument("--lon", type=float)
    sp.add_argument("--lat", type=float)
    sp.add_argument("--datum", default="")
    sp.add_argument("--format", choices=["json", "text"], default="text")
    sp.set_defaults(func=cmd_locate)

    common(sub.add_parser("status", help=t("cli_help.cmd_status"))).set_defaults(func=cmd_status)

    sp = common(sub.add_parser("user", help=t("cli_help.cmd_user")))
    sp.add_argument("action", choices=["list", "add", "set", "unlock", "locks"])
    sp.add_argument("username", nargs="?")
    sp.add_argument("--role", choices=["viewer", "editor", "admin"], help=t("cli_help.role"))
    sp.add_argument("--name", help=t("cli_help.name"))
    sp.add_argument("--password", help=t("cli_help.password"))
    sp.add_argument("--sso", help=t("cli_help.sso"))
    sp.add_argument("--reset-password", action="store_true")
    sp.add_argument("--disable", action="store_true")
    sp.add_argument("--enable", action="store_true")
    sp.add_argument("--client", action="store_true", help=t("auth_throttle.cli_help_client"))
    sp.set_defaults(func=cmd_user)

    sp = common(sub.add_parser("report", help=t("cli_help.cmd_report")))
    sp.add_argument("--format", choices=["pptx", "pdf", "png", "xlsx", *BASELINE_FORMATS], required=True)
    sp.add_argument("--out", help=t("cli_help.out"))
    sp.add_argument("--indicator", default="patents", help=t("cli_help.indicator"))
    sp.add_argument("--map", choices=["indicator", "gaps"], default="indicator", help=t("cli_help.map"))
    sp.add_argument("--dpi", type=int, default=300, help=t("cli_help.dpi"))
    sp.add_argument("--only-gaps", action="store_true", help=t("cli_help.only_gaps"))
    sp.add_argument("--public", action="store_true", help=t("cli_help.public"))
    sp.add_argument("--as-of", help=t("cli_help.as_of_snapshot"))
    sp.add_argument(
        "--baseline",
        metavar="DATE",
        type=_iso_date,
        default=BASELINE,
        help=t("baseline_view.cli_baseline", date=BASELINE),
    )
    _base_args(sp)
    _rule_args(sp)
    sp.set_defaults(func=cmd_report)

    sp = common(sub.add_parser("backup", help=t("cli_help.cmd_backup")))
    sp.add_argument("output", nargs="?", help=t("cli_help.output"))
    sp.add_argument("--format", choices=["zip", "tar.gz"], help=t("cli_help.format"))
    sp.set_defaults(func=cmd_backup)

    sp = common(sub.add_parser("migrate", help=t("migrate.cli_help")))
    sp.add_argument("--to", required=True, help=t("migrate.cli_to"))
    sp.set_defaults(func=cmd_migrate)

    sp = common(sub.add_parser("restore", help=t("cli_help.cmd_restore")))
    sp.add_argument("archive")
    sp.add_argument("--check", action="store_true", help=t("cli_help.check"))
    sp.add_argument("--user", default="cli", help=t("cli_help.user_restore"))
    sp.add_argument("--accept-unsigned", action="store_true", help=t("backup_sign.cli_help_accept"))
    sp.set_defaults(func=cmd_restore)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)
