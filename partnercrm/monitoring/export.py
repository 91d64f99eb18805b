"""The consolidated table of a campaign in the ministry's layout, as CSV and XLSX (no Flask).

Sheet «Сводная»: №, Показатель, Единица измерения — a row per indicator of the campaign's
programme, in its order — then one column per municipality with the value frozen in its
submitted report (empty while it is not submitted), followed by the rows «Статус отчёта»,
«Отправил», «Дата и время отправки», «Комментарий». The XLSX adds the sheet «Отчёты», one row
per municipality, and captions both sheets, naming the programme. Text cells are neutralised
against formula injection; the files' form: partnercrm/spreadsheets.py.
"""

from __future__ import annotations

from partnercrm.indicators.export import caption_lines
from partnercrm.localtime import Period, to_local
from partnercrm.monitoring.models import MonitoringCampaign
from partnercrm.monitoring.rules import ReportState
from partnercrm.spreadsheets import Sheet, to_csv, to_xlsx

FORMATS = ("csv", "xlsx")

STATE_LABELS = {
    ReportState.SUBMITTED: "представлен",
    ReportState.REOPENED: "возвращён на доработку",
    ReportState.MISSING: "не представлен",
    ReportState.OVERDUE: "не представлен, срок истёк",
}
LATE_LABEL = "представлен после срока"
STATUS_ROW, SUBMITTER_ROW, TIME_ROW, COMMENT_ROW = (
    "Статус отчёта",
    "Отправил",
    "Дата и время отправки",
    "Комментарий",
)


def _cell(value):
    return "" if value is None else value


def _state_label(row) -> str:
    if row.submitted and row.late:
        return LATE_LABEL
    return STATE_LABELS[row.state]


def _time(moment) -> str:
    return to_local(moment).strftime("%d.%m.%Y %H:%M") if moment else ""


def _submitted(row):
    """The report of a row if it counts as submitted, else None."""
    return row.report if row.submitted else None


def ministry_table(indicators, rows) -> tuple[list, list[list]]:
    """``indicators``: the campaign's programme's, in its order (objects with number, name and
    unit); ``rows``: MunicipalityRow list. A municipality's cell of a ``manual`` indicator is
    empty: the ministry's values are the region's (yes/no ones too, so no cell says «да»)."""
    header = ["№", "Показатель", "Единица измерения", *[r.municipality.name for r in rows]]
    table = [
        [
            indicator.number,
            indicator.name,
            indicator.unit,
            *[_cell(row.frozen(indicator.number)) if row.submitted else "" for row in rows],
        ]
        for indicator in indicators
    ]
    reports = [_submitted(row) for row in rows]
    table.append(["", STATUS_ROW, "", *[_state_label(row) for row in rows]])
    table.append(["", SUBMITTER_ROW, "", *[_submitter(report) for report in reports]])
    table.append(["", TIME_ROW, "", *[_time(r.submitted_at) if r else "" for r in reports]])
    table.append(["", COMMENT_ROW, "", *[(r.comment or "") if r else "" for r in reports]])
    return header, table


def _submitter(report) -> str:
    if report is None or report.submitted_by is None:
        return ""
    return report.submitted_by.full_name


def reports_table(rows) -> tuple[list, list[list]]:
    header = [
        "Муниципальное образование",
        "Статус отчёта",
        "Отправил",
        "Дата и время отправки",
        "Комментарий",
        "Изменилось после отправки (№ показателей)",
    ]
    table = []
    for row in rows:
        report = row.report
        table.append(
            [
                row.municipality.name,
                _state_label(row),
                _submitter(report),
                _time(report.submitted_at) if report else "",
                (report.comment or "") if report else "",
                ", ".join(str(n) for n in row.changed) if report else "",
            ]
        )
    return header, table


def filename(year: int, fmt: str) -> str:
    return f"monitoring-{year}.{fmt}"


def render(campaign: MonitoringCampaign, indicators, rows, fmt: str) -> bytes:
    if fmt == "csv":
        return to_csv(*ministry_table(indicators, rows))
    if fmt == "xlsx":
        year, programme = campaign.year, campaign.programme
        period = Period.year(year)

        def caption(title: str) -> list[str]:
            lines = caption_lines(f"Мониторинг {year}: {title}", period, None)
            return [*lines, f"Программа: {programme.title} ({programme.code})"]

        return to_xlsx(
            [
                Sheet(
                    "Сводная",
                    *ministry_table(indicators, rows),
                    caption=caption("сводная таблица"),
                    wrap=(1,),
                ),
                Sheet("Отчёты", *reports_table(rows), caption=caption("отчёты"), wrap=(4,)),
            ]
        )
    raise ValueError(f"unknown format {fmt!r}")
