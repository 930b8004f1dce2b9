"""The demo's output: a readable timeline, or one JSON object with decisions, relay edges and alarms."""

from __future__ import annotations

from typing import Any

from kiosk.demo.world import DemoWorld


def face_stage_note(world: DemoWorld) -> str:
    """One line on the face stage; when it cannot run, why, and that the face check then denies."""
    if world.face_pipeline is None:
        return f"face stage {world.face_stage} (every visit is denied face-unavailable)"
    return f"face stage {world.face_stage}"


def liveness_note(world: DemoWorld) -> str:
    """One line: the liveness check is on, or why its scene is skipped and how to get its models."""
    if not world.liveness_skipped:
        return "liveness check on (MiniFASNet models found): one more visitor holds up a print of alice's photo"
    return f"liveness scene skipped: {world.liveness_skipped}"


def demo_summary(world: DemoWorld) -> dict[str, Any]:
    started = world.timeline.started_at
    relay = [
        {"t": round(edge.at - started, 2), "state": "unlocked" if edge.active else "locked"}
        for edge in world.door.edges
        if edge.name == "relay"
    ]
    return {
        "decisions": [
            {"t": d.t, "subject": d.subject, "verdict": d.verdict, "reasons": list(d.reasons), "message": d.message}
            for d in world.timeline.decisions
        ],
        "relay": relay,
        "alarms": world.timeline.alarms,
        "final_relay": "unlocked" if world.door.is_unlocked else "locked",
        "notes": [face_stage_note(world), liveness_note(world)],
        **({"panel_reports": panel_reports(world)} if world.wiegand is not None else {}),
    }


def panel_reports(world: DemoWorld) -> list[dict[str, Any]]:
    """What the demo's access-control panel was sent, as audited (door mode panel-wiegand)."""
    return [{"t": t, "kind": kind, "detail": detail} for t, kind, detail in world.timeline.notes if kind.startswith("panel-report")]


def demo_timeline(world: DemoWorld) -> str:
    started = world.timeline.started_at
    rows: list[tuple[float, str]] = []
    for d in world.timeline.decisions:
        rows.append((d.t, f"{d.verdict.upper():8} {d.subject}\n{'':19}{d.detail}\n{'':19}shown: {d.message}"))
    for edge in world.door.edges:
        if edge.name == "relay":
            rows.append((round(edge.at - started, 2), f"relay    {'unlocked' if edge.active else 'locked'}"))
    for t, kind, detail in world.timeline.notes:
        if kind in ("alarm-raised", "alarm-cleared", "exit-button", "panel-report", "panel-report-failed"):
            rows.append((t, f"{kind:8} {detail}"))
    lines = [f"Simulated gate '{world.config.gate.gate_id}': checks {', '.join(world.config.gate.checks)}"]
    lines += [face_stage_note(world), liveness_note(world)]
    if not world.config.clock.require_sync:
        lines.append("clock: simulated time; clock.require_sync = false, so visits are decided without asking timesyncd or chrony")
    if world.wiegand is not None:
        lines.append("door mode panel-wiegand: grants go to the access-control panel as 26-bit card reads; the relay stays locked")
    lines.append("")
    lines += [f"{t:7.1f} s   {text}" for t, text in sorted(rows, key=lambda row: row[0])]
    lines += ["", f"Door relay at the end: {'unlocked' if world.door.is_unlocked else 'locked'}."]
    return "\n".join(lines)
