"""Prints the README's performance figures from ``benchmarks/results.json`` and
``benchmarks/load_results.json`` (markdown)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

ROWS = [("openai", "OpenAI chat, experiment set"), ("anthropic", "Anthropic messages, experiment set"),
        ("gemini", "Gemini generate_content, experiment set"),
        ("openai-noexp", "OpenAI chat, no experiment set"), ("anthropic-noexp", "Anthropic messages, no experiment set"),
        ("gemini-noexp", "Gemini generate_content, no experiment set"),
        ("openai-stream", "OpenAI stream of 200 chunks"), ("anthropic-stream", "Anthropic stream of 200 chunks"),
        ("gemini-stream", "Gemini stream of 200 chunks (MLflow records no span)"),
        ("openai-stream-noexp", "OpenAI stream, no experiment set"),
        ("anthropic-stream-noexp", "Anthropic stream, no experiment set")]


def render(results: dict) -> str:
    scenarios, memory = results["scenarios"], results["memory"]
    lines = ["| per call, µs (medians of the rounds) | raw SDK | this package | MLflow autolog | ratio |",
             "| --- | ---: | ---: | ---: | ---: |"]
    for name, label in ROWS:
        found = scenarios.get(name)
        if found is None:
            continue
        over = found["overhead_us"]
        ratio = found.get("ratio_project_to_mlflow")
        ratio = f"{ratio:.2f}" if ratio and "MLflow records no span" not in label else "n/a"
        lines.append(f"| {label} | {found['median_us']['raw']:.0f} | +{over['project']:.0f} | +{over['mlflow']:.0f} "
                     f"| {ratio} |")

    def above_raw(provider: str, system: str) -> int:
        return (memory[provider][system]["peak_bytes"] - memory[provider]["raw"]["peak_bytes"]) // 1024

    micro = results["per_chunk_micro"]
    lines += [
        "",
        f"- Per chunk, the plugin's own work (stream proxy + accumulator, on the SDK's real chunk objects): "
        f"**{micro['openai']:.1f} µs** per OpenAI chunk, **{micro['anthropic']:.1f} µs** per Anthropic event "
        f"(the SDK itself spends about 70 µs and 15 µs). End to end, a 2,000-chunk stream against a 200-chunk "
        f"one: {scenarios['openai-stream-x10']['per_chunk_us_from_x10']:.1f} µs (OpenAI) and "
        f"{scenarios['anthropic-stream-x10']['per_chunk_us_from_x10']:.1f} µs (Anthropic) per chunk, most of it the "
        f"SDK's own work slowed by the export's writer thread running beside it.",
        f"- Switched off (`autolog.disable()`, `with autolog.suspended()`): the wrapper adds "
        f"{scenarios['off-micro']['per_call_overhead_us']:.1f} µs and {scenarios['suspended-micro']['per_call_overhead_us']:.1f} µs "
        f"per call; MLflow's autolog after `mlflow.tracing.disable()` still adds {scenarios['off']['overhead_us']['mlflow']:.0f} µs.",
        f"- Memory, one stream of {results['settings']['memory_chunks']:,} chunks "
        f"({memory['openai']['raw']['text_bytes'] // 1000} kB of text), peak above the raw SDK: OpenAI "
        f"+{above_raw('openai', 'project')} KiB (MLflow autolog: +{above_raw('openai', 'mlflow')} KiB, a span event per "
        f"chunk), Anthropic +{above_raw('anthropic', 'project')} KiB (MLflow autolog does not record Anthropic streams).",
        f"- Cold start: `import autolog; autolog.autolog()` adds {results['cold_start']['autolog_added_ms']:.0f} ms after "
        f"`import mlflow, openai, anthropic`.",
    ]
    if slope := results.get("chunk_slope"):
        lines.append(f"- Per chunk with the export running, in one process (`chunk_slope.py`: 2,000- against "
                     f"200-chunk streams, tracing toggled call by call): {slope['openai']:.1f} µs (OpenAI), "
                     f"{slope['anthropic']:.1f} µs (Anthropic).")
    return "\n".join(lines)


def render_cpu(load: dict) -> str:
    """The CPU bursts (``load.py --only cpu``): extra process CPU per traced call, export included."""
    runs = sorted(key for key in load if key.startswith("cpu-"))
    if not runs:
        return ""
    lines = ["| 8 threads x 250 calls, then exit: extra CPU per call (median of the rounds) | store | untraced SDK "
             "| this package | MLflow's autolog | ratio | stored, worst round (this / MLflow's) |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for key in runs:
        run = load[key]
        catalog, _, label = key.removeprefix("cpu-catalog-").partition("-")
        setting = f"MLflow's price catalog {catalog}" + (f", {label.replace('-', ' ')}" if label else "")
        for store in ("sqlite", "postgres"):
            row = run.get(store)
            if not row:
                continue
            ours, theirs = row["project"], row.get("mlflow")
            calls = ours["stored"] + ours["lost"]
            mlflow_cpu = f"{theirs['extra_cpu_ms_per_call']:.2f} ms" if theirs else "-"
            ratio = f"{ours['extra_cpu_ms_per_call'] / theirs['extra_cpu_ms_per_call']:.2f}" if theirs else "-"
            stored = f"{ours['stored']}/{calls}" + (f" / {theirs['stored']}/{calls}" if theirs else "")
            rounds = f", {row['rounds']} rounds" if row.get("rounds") else ""
            lines.append(f"| {setting}{rounds} | {'local sqlite' if store == 'sqlite' else 'PostgreSQL'} "
                         f"| {row['raw']['cpu_ms_per_call']:.2f} ms | +{ours['extra_cpu_ms_per_call']:.2f} ms "
                         f"| {'+' if theirs else ''}{mlflow_cpu} | {ratio} | {stored} |")
    return "\n".join(lines)


def render_stream_slope(results: dict) -> str:
    """``stream_slope.py``: what one more chunk of a stream costs with the export running, per provider."""
    providers = results.get("providers") or {}
    if not providers:
        return ""
    settings = results.get("settings", {})
    lines = [f"| per chunk, µs ({settings.get('cores')} cores; busy: {settings.get('busy_processes')} spinning "
             f"processes) | the SDK itself | quiet, wall | quiet, process CPU | busy, wall | busy, process CPU "
             f"| the accumulator alone | the tracing alone, quiet | the tracing alone, busy |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]

    def cell(row: dict | None, key: str, digits: int = 2) -> str:
        value = (row or {}).get(key)
        return "-" if value is None else f"{value:.{digits}f}"

    for name, row in sorted(providers.items()):
        quiet, loaded = row.get("quiet"), row.get("busy")
        lines.append(f"| {name} | {cell(quiet, 'sdk_us_per_chunk', 1)} | {cell(quiet, 'us_per_chunk')} "
                     f"| {cell(quiet, 'cpu_us_per_chunk')} | {cell(loaded, 'us_per_chunk')} "
                     f"| {cell(loaded, 'cpu_us_per_chunk')} | {cell(quiet, 'accumulate_us_per_chunk')} "
                     f"| {cell(quiet, 'tracing_alone_us_per_chunk')} | {cell(loaded, 'tracing_alone_us_per_chunk')} |")
    return "\n".join(lines)


def render_reliability(results: dict) -> str:
    """``reliability.py``: each situation a real program, its traces counted in the store afterwards."""
    lines = []
    for key, run in sorted(results.items()):
        lines += [f"| where users run ({key.replace('-', ' ')}) | traces stored | store usable | half-written traces |",
                  "| --- | ---: | --- | ---: |"]

        def row(label, stored, total, opens=True, in_progress=0):
            lines.append(f"| {label} | {stored} of {total} | {'yes' if opens else 'NO'} | {in_progress} |")

        for name, label in (("first_run", "first run in an empty folder, one call, exit"),
                            ("first_run_4_at_once", "4 such first runs at once")):
            if first := run.get(name):
                runs = first["runs"] * first["processes"]
                row(f"{label} ({first['runs']} rounds)", runs - first["lost_traces"], runs, first["broken_stores"] == 0)
        for name, label in (("200_calls_then_exit", "200 calls, then exit"),
                            ("8x250_then_exit", "8 threads x 250 calls, then exit"),
                            ("4_processes_x_500_one_file", "4 processes x 500 calls, one sqlite file")):
            if found := run.get(name):
                row(label, found["traces"], found["calls"], found["opens"], found["in_progress"])
        if queued := run.get("queued_at_exit"):
            stats = queued["stats"]
            row(f"exit while the store takes 1 batch a second ({stats['dropped']} counted as dropped)",
                queued["traces"], stats["recorded"], queued["opens"], queued["in_progress"])
        if down := run.get("server_down_30s"):
            row(f"tracking server down {down['down_s']} s at {down['calls_per_s']} calls/s", down["stored"], down["asked"])
        for name, label in (("sigterm_cold", "SIGTERM 2 s into a loop, new store"),
                            ("sigterm_warm", "SIGTERM 2 s into a loop, existing store")):
            if found := run.get(name):
                row(f"{label} (ends by SIGTERM: {found['returncode'] == -15})", found["traces"], found["answered"],
                    found["opens"], found["in_progress"])
        lines.append("")
    return "\n".join(lines)


def render_load(load: dict) -> str:
    lines = ["| burst, then a normal exit | calls | stored by this package | by MLflow's autolog "
             "| extra CPU per call, export included (this package / MLflow's) | exit waited |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for key in ("sqlite_burst", "sqlite_big_burst", "server_sqlite_burst", "server_postgres_burst"):
        row = load.get(key)
        if not row:
            continue
        project, mlflow = row["project"], row.get("mlflow")
        calls = project["stored"] + project["lost"]
        theirs = f"{mlflow['stored']}" if mlflow else "-"
        cpu = f"{project['extra_cpu_ms_per_call']:.2f} ms" + (
            f" / {mlflow['extra_cpu_ms_per_call']:.2f} ms" if mlflow else "")
        lines.append(f"| {row['label']} | {calls} | {project['stored']} | {theirs} | {cpu} "
                     f"| {project['exit_wait_s']:.1f} s |")
    if len(lines) == 2:
        lines = []
    exit200, down = load.get("exit_after_200_calls"), load.get("store_down")
    if exit200:
        lines.append(f"\n- 200 calls, then a normal exit: {exit200['stored']} of 200 stored; the exit waited "
                     f"{exit200['project_exit_added_s']:.2f} s longer than an untraced script's.")
    if down and "up" in down:
        lines.append(f"- Store down (a port where nothing listens): a call took {down['down']['p50'] - down['up']['p50']:+.1f} µs "
                     f"(median) and {down['down']['p99'] - down['up']['p99']:+.1f} µs (99th percentile) against the same "
                     f"calls with the store up; the exit waited its {down['down_exit_wait_s']:.0f} s bound and said: "
                     f"`{(down['down_warning'] or [''])[-1]}`")
    return "\n".join(lines)


if __name__ == "__main__":
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("results.json")
    print(render(json.loads(path.read_text())))
    load = path.with_name("load_results.json")
    if load.exists():
        print()
        print(render_load(json.loads(load.read_text())))
        print()
        print(render_cpu(json.loads(load.read_text())))
    slope = path.with_name("stream_slope_results.json")
    if slope.exists():
        print()
        print(render_stream_slope(json.loads(slope.read_text())))
    reliability = path.with_name("reliability_results.json")
    if reliability.exists():
        print()
        print(render_reliability(json.loads(reliability.read_text())))
