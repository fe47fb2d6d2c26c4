"""Reading a task-progress sheet (任务进展表): one row per task of the plan, with its status, progress and evidence.

Columns (the header may be in any of the first rows; each header has a few accepted forms, see HEADERS):

| column | accepted headers | required | values |
|---|---|---|---|
| 任务编号 | 任务编号, 编号, 序号, 任务序号, 重点任务, 任务 | yes, unless 任务名称 is given | 1–13 in the forms the plan and offices write: ``3``, ``3.``, ``（3）``, ``任务3``, ``任务三``, ``第三项``, ``十三`` … |
| 任务名称 | 任务名称, 名称, 任务内容 | no | the task's name (data/tasks.csv, with or without its bracketed note); checked against the number |
| 状态 | 状态, 任务状态, 推进状态, 完成状态, 进展状态 | yes | 未启动, 推进中, 已完成 (also the codes not_started, in_progress, done; 未开始, 进行中, 完成) |
| 进展情况 | 进展情况, 进展, 工作进展, 推进情况, 完成情况, 进展说明 | no | text |
| 佐证材料 | 佐证材料, 佐证, 证明材料, 佐证材料清单 | no | text: the list of evidence items (the files themselves are uploaded on the 任务 page) |

A row with only a task number and name (the template's rows) says nothing and is skipped: that task stays as it was
(未填报 if it never had a status). Any bad row -- an unknown task, an unknown status, a status missing where progress
is given, a task twice, a name that is another task's -- refuses the whole file with a Chinese message naming the
file, the row and the column (ImportRejected); nothing is returned to be stored."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from txip_geo.errors import UploadRejected
from txip_geo.ingest import limits, parse
from txip_geo.ingest.header import cell
from txip_geo.ingest.read import MAX_HEADER_SCAN, Source, read_sheets
from txip_geo.ingest.report import ImportReport, Problem, rejected
from txip_geo.paths import DATA_DIR
from txip_geo.plan import task_table
from txip_geo.strings import t

__all__ = [
    "HEADERS",
    "STATUSES",
    "TaskUpdate",
    "parse_status",
    "parse_task_id",
    "read_task_sheet",
    "template_rows",
]

STATUSES = ("not_started", "in_progress", "done")
_WORDS = tomllib.loads((DATA_DIR / "task_words.toml").read_text(encoding="utf-8"))
#: field -> the headers it is read from (compared without spaces, full-width letters as half-width).
HEADERS: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in _WORDS["headers"].items()}
#: The template's header (data/templates/tasks.csv): the first form of each field.
TEMPLATE_HEADER = [forms[0] for forms in HEADERS.values()]
STATUS_WORDS = {**_WORDS["statuses"], **{code: code for code in STATUSES}}
MAX_TEXT = 4000  # characters of a progress or evidence text
SUFFIXES = (".csv", ".txt", ".xlsx", ".xls")
_NUM = _WORDS["numbers"]
_NUMERALS: dict[str, int] = _NUM["numerals"]
_TEN = _NUM["ten"]
_CN = "".join(_NUMERALS)
_ID_FORM = re.compile(
    rf"^(?P<pre>(?:{_NUM['prefix_key']})?(?:{_NUM['prefix_task']})?\s*{_NUM['prefix_ordinal']}?\s*[(（]?)\s*"
    rf"(?P<n>\d{{1,2}}|[{_CN}]{{1,3}})"
    rf"(?P<sep>\s*[)）]?\s*(?:{'|'.join(_NUM['suffixes'])})?\s*[.、．:：]?)\s*(?P<rest>.*)$"
)


@dataclass(frozen=True)
class TaskUpdate:
    """One task's new state: status (a code of STATUSES), progress and evidence text; `row`: its row in the file."""

    task_id: int
    status: str
    progress: str = ""
    evidence_note: str = ""
    row: int | None = None


def _chinese_number(text: str) -> int | None:
    if text in _NUMERALS:
        return _NUMERALS[text]
    if len(text) == 2 and text[0] == _TEN and text[1] in _NUMERALS and text[1] != _TEN:
        return 10 + _NUMERALS[text[1]]
    return None


def _core(name: str) -> str:
    """A task name without its bracketed note and spaces: 加强知识产权发展顶层设计（三级网络） -> 加强知识产权发展顶层设计."""
    return re.sub(r"[（(].*?[)）]|\s", "", name)


def _names() -> dict[int, str]:
    return dict(zip(task_table()["task"], task_table()["name"]))


def _name_fits(text: str, task: int) -> bool:
    """`text` names task `task`: its name or its name's core (contains or is contained in, spaces ignored)."""
    core, given = _core(_names()[task]), _core(text)
    if not given:
        return False
    return given == core or core in given or (len(given) >= 4 and given in core)


def task_by_name(text: str) -> int | None:
    """The one task whose name `text` is (or is a clear part of), else None."""
    hits = [n for n in _names() if _name_fits(text, n)]
    return hits[0] if len(hits) == 1 else None


def parse_task_id(value) -> int | None:
    """A task number 1–13 from the forms the plan and offices write (3, 3.0, '３', '3.', '（3）', '任务三', '第三项',
    '十三', '3.加强知识产权示范高地建设', the task's name); None when it is none of them or names another task."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        n = int(value) if float(value).is_integer() else None
        return n if n in _names() else None
    text = parse.to_halfwidth(cell(value)).strip()
    if not text:
        return None
    m = _ID_FORM.match(text)
    if m:
        digits = m.group("n")
        n = int(digits) if digits.isdigit() else _chinese_number(digits)
        rest = m.group("rest").strip()
        if rest.replace("0", "") in ("", "."):  # 3.0 as text
            rest = ""
        if n in _names() and (not rest or _name_fits(rest, n)):
            return n
        # A number written as one (digits, 任务/第 before it, a separator after it) with another task's name: neither.
        if digits.isdigit() or m.group("pre").strip() or m.group("sep").strip():
            return None
    return task_by_name(text)


def parse_status(value) -> str | None:
    """A status code from its label or code (STATUS_WORDS); None when unknown."""
    text = re.sub(r"\s", "", parse.to_halfwidth(cell(value))).lower()
    return STATUS_WORDS.get(text)


def template_rows() -> list[list[str]]:
    """The template's rows: every task's number and name, the rest left to fill in."""
    return [[str(r.task), r.name, "", "", ""] for r in task_table().itertuples()]


# -- reading a file -------------------------------------------------------------------------------------------------


def _norm(h) -> str:
    return re.sub(r"\s", "", parse.to_halfwidth(cell(h))).lower()


def _find_header(raw: pd.DataFrame) -> tuple[int, dict[str, int], list[str]] | None:
    """(header row index, field -> column index, the header texts) of the first row naming a task column and a
    status column; None when no such row is among the first MAX_HEADER_SCAN."""
    for r in range(min(len(raw), MAX_HEADER_SCAN)):
        texts = [cell(v) for v in raw.iloc[r].to_numpy()]
        found: dict[str, int] = {}
        for field, forms in HEADERS.items():
            normed = [_norm(f) for f in forms]
            for form in normed:  # the first form that is a column wins (编号 before 任务)
                hit = next((i for i, h in enumerate(texts) if _norm(h) == form and i not in found.values()), None)
                if hit is not None:
                    found[field] = hit
                    break
        if ("task" in found or "name" in found) and "status" in found:
            return r, found, texts
    return None


def _frames(source: Source) -> list[tuple[str, pd.DataFrame]]:
    sheets = read_sheets(source, chunk_rows=50_000)
    out = []
    for s in sheets:
        parts = [s.head] + (list(s.rest) if s.rest is not None else [])
        frame = pd.concat(parts) if len(parts) > 1 else parts[0]
        out.append((s.name, frame.reset_index(drop=True)))
    return out


def _refuse(report: ImportReport, key: str, **kw):
    return rejected(report, t(f"tasks.{key}", file=report.file_name, **kw))


def read_task_sheet(data: bytes | Path, file_name: str | None = None) -> list[TaskUpdate]:
    """The task updates a sheet gives (rows that say nothing left out), or ImportRejected (Chinese; names file, row
    and column) when the file or any row is bad. `data`: the file's bytes, or its path."""
    in_memory = isinstance(data, (bytes, bytearray))
    name = Path(str(file_name or ("" if in_memory else Path(data).name))).name
    report = ImportReport(file_name=name, kind="tasks")
    if Path(name).suffix.lower() not in SUFFIXES:
        raise _refuse(report, "import_bad_suffix", suffixes="、".join(SUFFIXES))
    try:
        limits.check_upload(data if in_memory else Path(data), name)
        frames = _frames(Source(name, data=bytes(data)) if in_memory else Source(name, path=Path(data)))
    except UploadRejected as e:
        raise rejected(report, str(e)) from None
    except ValueError as e:
        raise rejected(report, t("ingest.unreadable", file=name, error=e)) from None
    for sheet, raw in frames:
        found = _find_header(raw) if len(raw) else None
        if found is not None:
            report.sheet = sheet
            return _rows(report, raw, *found, several_sheets=len(frames) > 1)
    raise _refuse(report, "import_no_header", task=HEADERS["task"][0], status=HEADERS["status"][0])


def _rows(
    report: ImportReport, raw: pd.DataFrame, header: int, cols: dict[str, int], texts: list[str], several_sheets: bool
) -> list[TaskUpdate]:
    report.header_row = header + 1
    sheet = f"{report.sheet}!" if several_sheets and report.sheet else ""
    updates: list[TaskUpdate] = []
    first_row: dict[int, int] = {}
    for r in range(header + 1, len(raw)):
        row = r + 1  # as the file shows it
        values = {f: raw.iat[r, i] for f, i in cols.items()}
        update, problems = _row(values, row, cols, texts, first_row)
        for p in problems:
            p.sheet = sheet
        report.errors.extend(problems)
        report.rows_read += 1 if any(cell(v) for v in values.values()) else 0
        if update is not None and not problems:
            first_row[update.task_id] = row
            updates.append(update)
    if report.errors:
        rows = sorted({p.row for p in report.errors})
        lines = "\n".join(report.error_lines(20))
        more = t("tasks.import_more", n=len(report.errors)) if len(report.errors) > 20 else ""
        raise rejected(
            report, t("tasks.import_bad_rows", file=report.file_name, rows=len(rows), lines=lines, more=more)
        )
    if not updates:
        raise _refuse(report, "import_nothing")
    report.rows_imported = len(updates)
    return updates


def _row(values: dict, row: int, cols: dict[str, int], texts: list[str], first_row: dict[int, int]):
    """(the row's TaskUpdate or None when it says nothing, its problems)."""
    text = {f: cell(v) for f, v in values.items()}
    header = {f: texts[i] for f, i in cols.items()}
    said = any(text.get(f) for f in ("status", "progress", "evidence_note"))
    if not said:
        return None, []  # a blank row, or a template row with only the task: nothing reported
    problems: list[Problem] = []
    task = _task_of(values, text, header, row, problems)
    status = parse_status(values["status"]) if text["status"] else None
    if not text["status"]:
        problems.append(Problem(row, header["status"], "", t("tasks.import_status_empty")))
    elif status is None:
        problems.append(Problem(row, header["status"], text["status"], t("tasks.import_status_unknown")))
    for f in ("progress", "evidence_note"):
        if len(text.get(f, "")) > MAX_TEXT:
            problems.append(Problem(row, header[f], text[f][:20] + "…", t("tasks.import_too_long", limit=MAX_TEXT)))
    if task is not None and task in first_row:
        problems.append(
            Problem(
                row,
                header.get("task", header.get("name", "")),
                text.get("task") or text.get("name", ""),
                t("tasks.import_twice", task=task, first=first_row[task]),
            )
        )
    if problems or task is None or status is None:
        return None, problems
    return TaskUpdate(task, status, text.get("progress", ""), text.get("evidence_note", ""), row), []


def _task_of(values: dict, text: dict, header: dict, row: int, problems: list) -> int | None:
    """The row's task: from its number column (checked against its name when both are given), else its name."""
    if "task" in values:
        if not text["task"]:
            problems.append(Problem(row, header["task"], "", t("tasks.import_task_empty")))
            return None
        task = parse_task_id(values["task"])
        if task is None:
            problems.append(Problem(row, header["task"], text["task"], t("tasks.import_task_unknown")))
            return None
        if text.get("name") and not _name_fits(text["name"], task):
            problems.append(
                Problem(
                    row, header["name"], text["name"], t("tasks.import_name_mismatch", task=task, name=_names()[task])
                )
            )
            return None
        return task
    task = task_by_name(text["name"]) if text["name"] else None
    if task is None:
        problems.append(Problem(row, header["name"], text["name"], t("tasks.import_task_unknown")))
    return task
