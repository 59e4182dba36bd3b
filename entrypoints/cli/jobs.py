"""``sanece-admin jobs list|show|cancel`` and ``sanece-admin worker``.

The operator's view of the jobs (every user's), with the same progress the job page shows;
``worker`` runs the embedded backend's worker threads alone, for a machine that should run jobs
without serving pages; ``serve`` starts one as its child process. Only click and rich are imported here:
the container comes on first use, so that ``sanece-admin --help`` stays fast.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timezone
from typing import Any

import click
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from entrypoints.cli.deferred import cli_errors, get_container


def _consoles() -> tuple[Any, Any]:
    from entrypoints.cli.main import console, err_console

    return console, err_console


def _utc(value: Any) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M") if value else "—"


def _status(view: Any) -> str:
    if view.status.value == "running":
        return f"{view.status.label} ({view.progress} %)"
    return view.status.label  # type: ignore[no-any-return]


@click.group("jobs")
def jobs() -> None:
    """Trabajos largos (exportaciones): avance, resultado, cancelación."""


@jobs.command("list")
@click.option("--user", "owner", default=None, help="Solo los de este usuario.")
@click.option("--limit", type=click.IntRange(min=1, max=10000), default=50, show_default=True)
@click.pass_context
@cli_errors
def jobs_list(ctx: click.Context, owner: str | None, limit: int) -> None:
    """Lista los trabajos (más recientes primero)."""
    console, _ = _consoles()
    rows = get_container(ctx).operator_jobs().list(owner, limit)
    if not rows:
        console.print("No hay trabajos.")
        return
    table = Table("Id", "Usuario", "Trabajo", "Estado", "Etapa", "Iniciado (UTC)", "Expira (UTC)")
    for v in rows:
        table.add_row(v.id, v.owner, v.description, _status(v), v.stage, _utc(v.created_at),
                      _utc(v.expires_at))
    console.print(table)


@jobs.command("show")
@click.argument("job_id")
@click.option("--follow", is_flag=True, help="Muestra el avance hasta que termine.")
@click.pass_context
@cli_errors
def jobs_show(ctx: click.Context, job_id: str, follow: bool) -> None:
    """Muestra un trabajo: estado, avance, etapa, error y archivo."""
    from shared.jobs.domain import format_eta

    console, err_console = _consoles()
    ops = get_container(ctx).operator_jobs()
    view = ops.show(job_id)
    if follow and not view.status.finished:
        with Progress(TextColumn("{task.description}"), BarColumn(),
                      TextColumn("{task.percentage:>3.0f} %"), TimeRemainingColumn(),
                      console=err_console) as bar:
            task = bar.add_task(view.stage, total=100, completed=view.progress)
            while not view.status.finished:
                time.sleep(1)
                view = ops.show(job_id)
                bar.update(task, completed=view.progress, description=view.stage)
    table = Table(show_header=False)
    table.add_row("Id", view.id)
    table.add_row("Trabajo", view.description)
    table.add_row("Usuario", view.owner)
    table.add_row("Estado", _status(view))
    table.add_row("Avance", f"{view.progress} %")
    table.add_row("Etapa", view.stage)
    if view.status.value == "running":
        table.add_row("Tiempo restante", format_eta(view.eta))
    table.add_row("Intentos", str(view.attempts))
    table.add_row("Iniciado (UTC)", _utc(view.created_at))
    table.add_row("Terminado (UTC)", _utc(view.finished_at))
    table.add_row("Expira (UTC)", _utc(view.expires_at))
    if view.filename:
        table.add_row("Archivo", f"{view.filename} ({view.size:,} bytes)")
    if view.error:
        table.add_row("Error", view.error)
    console.print(table)


@jobs.command("cancel")
@click.argument("job_id")
@click.pass_context
@cli_errors
def jobs_cancel(ctx: click.Context, job_id: str) -> None:
    """Cancela un trabajo en cola o en proceso."""
    console, _ = _consoles()
    view = get_container(ctx).cancel_job()(None, job_id)
    console.print(f"Trabajo {view.id} cancelado ({view.description}).")


@click.command("worker")
@click.option("--concurrency", type=click.IntRange(min=1, max=64), default=None,
              help="Trabajos pesados a la vez (JOBS_CONCURRENCY; 1 por omisión).")
@click.option("--parent-pid", type=int, default=None, hidden=True,
              help="Terminar cuando termine este proceso (el worker que inicia `serve`).")
@click.pass_context
@cli_errors
def worker(ctx: click.Context, concurrency: int | None, parent_pid: int | None) -> None:
    """Ejecuta los trabajos en cola (sin servir páginas) hasta Ctrl-C."""
    _stop_on_signals()
    if parent_pid is not None:
        _end_with_parent(parent_pid)
        # Beside the pages of its ``serve`` on the same cores, a job yields the CPU to them.
        os.nice(10)
    console, _ = _consoles()
    container = get_container(ctx)
    if concurrency is not None:
        from dependency_injector import providers

        container.jobs_worker.add_kwargs(concurrency=providers.Object(concurrency))
    if container.settings().jobs_backend == "saq":
        runner = container.saq_worker()
        console.print(f"Worker de trabajos {runner.name} (SAQ en Redis): {runner.concurrency} a la "
                      "vez. Ctrl-C para terminar.")
    else:
        runner = container.jobs_worker()
        console.print(f"Worker de trabajos {runner.name}: {runner.concurrency} a la vez. "
                      "Ctrl-C para terminar.")
    try:
        runner.run_forever()
    except KeyboardInterrupt:
        pass
    console.print("Worker detenido.")


def _stop_on_signals() -> None:
    """Ctrl-C, SIGTERM (systemd, ``docker stop``) and the parent watch all stop the worker the
    same way, between jobs' steps. SIGINT is set explicitly: a process started in the
    background by a shell inherits it ignored, and ``serve``'s worker then outlived ``serve``."""
    def stop(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, stop)


def _end_with_parent(parent_pid: int) -> None:
    """A worker started by ``serve`` stops when ``serve`` is gone, even killed with -9 (its
    parent then changes): it ends as Ctrl-C ends it, and a job it held is retried or failed by
    the next housekeeping, as for any dead worker."""
    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=watch, name="jobs-parent-watch", daemon=True).start()


def start_embedded_worker(ctx: click.Context) -> subprocess.Popen[bytes] | None:
    """``serve`` runs the embedded backend's jobs in a child process, ``sanece-admin worker``;
    with SAQ only the operator's ``sanece-admin worker`` runs them (the web processes push to
    the queue).

    A process, not threads of the web process: an export's XlsxWriter loop holds the GIL, and
    in the web process it made the tablero's p99 4.4 times its idle p99 (``bench/jobs.py``);
    in its own process it runs on the other core. Same database, same configuration (the
    environment is inherited); a job started on a page is found at the worker's next poll."""
    if get_container(ctx).settings().jobs_backend != "embedded":
        return None
    return subprocess.Popen([sys.executable, "-m", "entrypoints.cli.main", "worker",
                             "--parent-pid", str(os.getpid())])


def stop_embedded_worker(child: subprocess.Popen[bytes] | None) -> None:
    """Stop ``serve``'s worker as Ctrl-C would (a job in progress is retried later)."""
    if child is None or child.poll() is not None:
        return
    child.send_signal(signal.SIGINT)
    try:
        child.wait(30)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
