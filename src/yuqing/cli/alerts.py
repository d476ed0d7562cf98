"""`yuqing alerts list/ack/dispatch`: alerts (预警), their deliveries and acknowledgements."""

from __future__ import annotations

from typing import Any

import typer

from yuqing.cli.ids import MAX_ID

app = typer.Typer(help="Alerts (预警) and their deliveries.", no_args_is_help=True)


@app.command("list")
def list_alerts(
    open_only: bool = typer.Option(False, "--open", help="Only alerts nobody acknowledged."),
    limit: int = typer.Option(50, "--limit", min=1, max=1000),
    json_out: bool = typer.Option(False, "--json", help="JSON Lines."),
) -> None:
    """Alerts, newest first, with how their deliveries went."""
    from sqlalchemy import select

    from yuqing.alerts import service
    from yuqing.alerts.models import Delivery
    from yuqing.cli.context import app_context
    from yuqing.cli.jsonlines import dumps
    from yuqing.core.i18n import _
    from yuqing.db.engine import session_scope

    ctx = app_context()
    with session_scope(ctx.sessions) as session:
        rows: list[dict[str, Any]] = []
        for alert in service.get_all(session=session, open_only=open_only, limit=limit):
            deliveries = session.scalars(
                select(Delivery).where(Delivery.alert_id == alert.id)
            ).all()
            rows.append(
                {
                    "id": alert.id,
                    "event_id": alert.event_id,
                    "level": alert.level,
                    "title": alert.title,
                    "created_at": alert.created_at.isoformat(),
                    "acknowledged_at": alert.acknowledged_at.isoformat()
                    if alert.acknowledged_at
                    else None,
                    "acknowledged_by": alert.acknowledged_by,
                    "escalation_step": alert.escalation_step,
                    "deliveries": [
                        {
                            "recipient": d.recipient,
                            "channel": d.channel,
                            "purpose": d.purpose,
                            "status": d.status,
                            "attempts": d.attempts,
                            "error": d.last_error,
                        }
                        for d in deliveries
                    ],
                }
            )
    for row in rows:
        if json_out:
            typer.echo(dumps(row))
            continue
        sent = sum(d["status"] == "sent" for d in row["deliveries"])
        ack = (
            _("acked by {by}").format(by=row["acknowledged_by"])
            if row["acknowledged_at"]
            else _("NOT acknowledged")
        )
        delivered = _("{sent}/{total} delivered").format(sent=sent, total=len(row["deliveries"]))
        typer.echo(
            f"{row['id']}\t{row['level']}\t{row['created_at']}\t{ack}\t{delivered}\t{row['title']}"
        )
    if not rows and not json_out:
        typer.echo(_("no alerts"), err=True)


@app.command("ack")
def ack(
    alert_id: int = typer.Argument(..., min=1, max=MAX_ID),
    by: str = typer.Option(..., "--by", help="Who acknowledges (a person id of the plan)."),
) -> None:
    """Acknowledge an alert: reminders and escalation stop."""
    from yuqing.alerts import service
    from yuqing.cli.context import app_context
    from yuqing.core.i18n import _
    from yuqing.db.engine import session_scope

    ctx = app_context()
    with session_scope(ctx.sessions) as session:
        service.acknowledge(session=session, clock=ctx.clock, alert_id=alert_id, by=by)
    typer.echo(_("alert {alert_id} acknowledged by {by}").format(alert_id=alert_id, by=by))


@app.command("dispatch")
def dispatch() -> None:
    """One round of alert work now: reminders, escalation, and the due deliveries."""
    import httpx

    from yuqing.alerts.sending import load_channel_settings, make_sender
    from yuqing.cli.context import app_context
    from yuqing.core.i18n import ngettext, pgettext
    from yuqing.worker.alerting import alert_round

    ctx = app_context()
    with httpx.Client(trust_env=False) as http:
        send = make_sender(
            settings=load_channel_settings(ctx.settings.home), clock=ctx.clock, http=http
        )
        reminded, sent = alert_round(sessions=ctx.sessions, clock=ctx.clock, send=send)
    reminded_text = ngettext(
        "{n} alert reminded or escalated", "{n} alerts reminded or escalated", len(reminded)
    ).format(n=len(reminded))
    tried = ngettext("{n} delivery tried", "{n} deliveries tried", len(sent)).format(n=len(sent))
    typer.echo(pgettext("list separator", ", ").join((reminded_text, tried)))
