#!/usr/bin/env python3
"""publish.py - turn one `make bench` run into docs/performance.md figures.

Reads the JSON of bench_calls, bench_scale and bench_sc (each optional but
at least one), and writes:

  * OUT_DIR/bench.json: the three objects and the machine, as measured;
  * OUT_DIR/payload.svg: latency by payload size per engine and direction,
    with memcpy of the same bytes (log-log);
  * OUT_DIR/density.svg: create -> first ECALL by enclaves alive (N);
  * the section of the Markdown file between the markers
    "<!-- bench:begin -->" and "<!-- bench:end -->": the machine, the
    tables (ratios beside raw times) and links to the plots.

Only the standard library: the plots are plain SVG. Exit status 0, 2 for
bad arguments or input (a message says which file and what is wrong).
"""
import argparse
import datetime
import json
import math
import os
import platform
import sys

BEGIN = "<!-- bench:begin -->"
END = "<!-- bench:end -->"


class InputError(Exception):
    pass


def load(path, kind):
    if path is None:
        return None
    try:
        with open(path, encoding="utf-8") as f:
            obj = json.load(f)
    except (OSError, ValueError) as e:
        raise InputError(f"{path}: cannot read the {kind} JSON: {e}")
    if not isinstance(obj, dict) or not isinstance(obj.get("engines"), list):
        raise InputError(f"{path}: not a {kind} result (no \"engines\" list)")
    return obj


def machine(kvm_kind):
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "cpu": model,
        "cpus": os.cpu_count() or 0,
        "kernel": platform.release(),
        "kvm": kvm_kind or "none",
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def fmt_ns(ns):
    if ns is None or ns < 0:
        return "-"
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} us"
    return f"{ns:.0f} ns"


def fmt_ratio(r):
    return "-" if r is None else f"{r:.2f}x"


def fmt_bytes(n):
    for unit, size in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size and n % size == 0:
            return f"{n // size} {unit}"
    return f"{n} B"


# ---- SVG ----------------------------------------------------------------

COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#7f7f7f"]


def svg_plot(title, xlabel, ylabel, series, logx, logy, xfmt, yfmt):
    """series: [(name, [(x, y), ...])]; points with y <= 0 are dropped."""
    w, h, left, right, top, bottom = 720, 420, 80, 190, 40, 50
    pts = [(x, y) for _, s in series for x, y in s if y > 0 and x > 0]
    if not pts:
        raise InputError(f"{title}: nothing to plot")
    tx = (lambda v: math.log10(v)) if logx else (lambda v: v)
    ty = (lambda v: math.log10(v)) if logy else (lambda v: v)
    xs = [tx(x) for x, _ in pts]
    ys = [ty(y) for _, y in pts]
    x0, x1 = min(xs), max(xs)
    y0, y1 = (min(ys), max(ys)) if logy else (0.0, max(ys))
    if logy:
        y0, y1 = math.floor(y0), math.ceil(y1)
    if x1 == x0:
        x1 = x0 + 1
    if y1 == y0:
        y1 = y0 + 1
    pw, ph = w - left - right, h - top - bottom

    def px(v):
        return left + (tx(v) - x0) / (x1 - x0) * pw

    def py(v):
        return top + ph - (ty(v) - y0) / (y1 - y0) * ph

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">',
           f'<rect width="{w}" height="{h}" fill="white"/>',
           f'<text x="{left}" y="22" font-size="15">{title}</text>',
           f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#444"/>']
    # ticks: powers of ten on log axes, five steps on linear ones
    if logy:
        yticks = [10 ** k for k in range(int(y0), int(y1) + 1)]
    else:
        yticks = [y1 * k / 5 for k in range(6)]
    for v in yticks:
        y = py(v) if logy else top + ph - (v - y0) / (y1 - y0) * ph
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + pw}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{yfmt(v)}</text>')
    xticks = sorted({x for x, _ in pts})
    for v in xticks:
        x = px(v)
        out.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + ph}" stroke="#eee"/>')
        out.append(f'<text x="{x:.1f}" y="{top + ph + 16}" text-anchor="middle">{xfmt(v)}</text>')
    out.append(f'<text x="{left + pw / 2}" y="{h - 10}" text-anchor="middle">{xlabel}</text>')
    out.append(f'<text x="16" y="{top + ph / 2}" transform="rotate(-90 16 {top + ph / 2})" '
               f'text-anchor="middle">{ylabel}</text>')
    for i, (name, s) in enumerate(series):
        colour = COLOURS[i % len(COLOURS)]
        good = [(x, y) for x, y in s if y > 0 and x > 0]
        if not good:
            continue
        line = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in sorted(good))
        dash = ' stroke-dasharray="5,4"' if name.startswith("memcpy") else ""
        out.append(f'<polyline data-series="{name}" points="{line}" fill="none" stroke="{colour}" '
                   f'stroke-width="2"{dash}/>')
        ly = top + 14 + 18 * i
        out.append(f'<line x1="{left + pw + 12}" y1="{ly - 4}" x2="{left + pw + 36}" y2="{ly - 4}" '
                   f'stroke="{colour}" stroke-width="2"{dash}/>')
        out.append(f'<text x="{left + pw + 42}" y="{ly}">{name}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


# ---- Markdown -------------------------------------------------------------

def calls_tables(calls):
    ref = calls.get("reference", {})
    lines = ["### Calls, sealing, cold start (`bench_calls`)", "",
             "References measured in the same run: futex ping-pong "
             f"{fmt_ns(ref.get('futex_pingpong_2proc_ns'))}, spin ping-pong "
             f"{fmt_ns(ref.get('spin_pingpong_ns'))}, bare KVM exit "
             f"{fmt_ns(ref.get('kvm_exit_roundtrip_ns'))}.", ""]
    rows = [
        ("empty ECALL", "empty_ecall_ns", "ratio_empty_ecall_vs_futex", "futex ping-pong"),
        ("ECALL 4 KiB in + out", "ecall_4k_in_out_ns", "ratio_ecall_4k_vs_futex", "futex ping-pong"),
        ("empty OCALL", "empty_ocall_ns", "ratio_empty_ocall_vs_futex", "futex ping-pong"),
        ("switchless empty ECALL (busy)", "sl_busy_empty_ecall_ns", "ratio_sl_busy_empty_ecall_vs_spin", "spin ping-pong"),
        ("switchless empty OCALL (wake-up)", "sl_wakeup_empty_ocall_ns", "ratio_sl_wakeup_empty_ocall_vs_empty_ocall", "ordinary OCALL"),
        ("ECALL into a sleeping enclave", "empty_ecall_sleeping_ns", None, None),
        ("seal 4 KiB", "seal_4k_ns", "ratio_seal_vs_openssl_4k", "OpenSSL AES-256-GCM"),
        ("seal 1 MiB", "seal_1m_ns", "ratio_seal_vs_openssl_1m", "OpenSSL AES-256-GCM"),
        ("create -> first ECALL (first)", "create_to_first_ecall_ns", None, None),
        ("create -> first ECALL (again)", "create_to_first_ecall_again_ns", None, None),
    ]
    engines = calls["engines"]
    head = "| figure | " + " | ".join(e.get("engine", "?") for e in engines) + " | ratio to |"
    lines += [head, "|---" * (len(engines) + 2) + "|"]
    for label, key, rkey, against in rows:
        cells = []
        for e in engines:
            if e.get("skipped"):
                cells.append("skipped")
                continue
            v = e.get(key)
            r = e.get(rkey) if rkey else None
            cells.append(fmt_ns(v) + (f" ({fmt_ratio(r)})" if r is not None else ""))
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {against or '-'} |")
    skipped = [e for e in engines if e.get("skipped")]
    for e in skipped:
        lines += ["", f"{e.get('engine')}: skipped ({e.get('reason', 'no reason given')})."]
    return lines + [""]


def scale_tables(scale):
    lines = ["### Payload sweep (`bench_scale`)", "",
             "Round trip of one ECALL moving the bytes, and its ratio to a memcpy of the same bytes.", ""]
    for e in scale["engines"]:
        pay = e.get("payload") or []
        if not pay:
            continue
        lines += [f"{e.get('engine')}:", "",
                  "| bytes | memcpy | [in] | [out] | [in,out] |", "|---|---|---|---|---|"]
        for p in pay:
            lines.append(f"| {fmt_bytes(p['bytes'])} | {fmt_ns(p.get('memcpy_ns'))} | "
                         f"{fmt_ns(p.get('in_ns'))} ({fmt_ratio(p.get('ratio_in_vs_memcpy'))}) | "
                         f"{fmt_ns(p.get('out_ns'))} ({fmt_ratio(p.get('ratio_out_vs_memcpy'))}) | "
                         f"{fmt_ns(p.get('in_out_ns'))} ({fmt_ratio(p.get('ratio_in_out_vs_memcpy'))}) |")
        lines.append("")
    lines += ["### Density (`bench_scale`)", "",
              "| engine | N alive | create -> first ECALL (mean) | monitor RSS per enclave | host RSS growth per enclave |",
              "|---|---|---|---|---|"]
    for e in scale["engines"]:
        for d in e.get("density") or []:
            lines.append(f"| {e.get('engine')} | {d.get('alive', d.get('n'))} | "
                         f"{fmt_ns(d.get('create_to_first_ecall_mean_ns'))} | "
                         f"{d.get('monitor_rss_per_enclave_kb', '-')} KiB | "
                         f"{d.get('host_rss_growth_per_enclave_kb', '-')} KiB |")
    return lines + [""]


def sc_tables(sc):
    ref = sc.get("reference", {})
    lines = ["### Secure channel (`bench_sc`)", "",
             f"OpenSSL AES-256-GCM in the same run: 1 KiB {fmt_ns(ref.get('openssl_aes256gcm_1k_ns'))}, "
             f"1 MiB {fmt_ns(ref.get('openssl_aes256gcm_1m_ns'))}.", "",
             "| engine | handshake | 1 KiB client -> enclave | 1 MiB client -> enclave | 1 MiB enclave -> client | 1 MiB vs OpenSSL |",
             "|---|---|---|---|---|---|"]
    for e in sc["engines"]:
        lines.append(f"| {e.get('engine')} | {fmt_ns(e.get('handshake_ns'))} | {fmt_ns(e.get('c2s_1k_ns'))} | "
                     f"{fmt_ns(e.get('c2s_1m_ns'))} | {fmt_ns(e.get('s2c_1m_ns'))} | "
                     f"{fmt_ratio(e.get('ratio_c2s_1m_vs_openssl_gcm'))} |")
    return lines + [""]


def snapshot_tables(snap):
    lines = ["### Snapshots and resets (`bench_snapshot`)", "",
             "A reset after an empty request, and after one that wrote "
             f"{fmt_bytes(snap.get('dirty_bytes') or 0)}, beside a hot empty ECALL and a new enclave "
             "(create to first ECALL) in the same run (docs/snapshots.md).", "",
             "| engine | snapshot | reset | reset after writes | first ECALL after reset | new enclave | reset + first ECALL vs new enclave | new enclave from the snapshot (to first ECALL) |",
             "|---|---|---|---|---|---|---|---|"]
    for e in snap["engines"]:
        if e.get("skipped") or not e.get("supported"):
            why = e.get("reason") or "not supported on this engine"
            lines.append(f"| {e.get('engine')} | - | {why} | - | - | {fmt_ns(e.get('create_to_first_ecall_ns'))} | - | - |")
            continue
        lines.append(f"| {e.get('engine')} | {fmt_ns(e.get('snapshot_ns'))} | {fmt_ns(e.get('reset_ns'))} | "
                     f"{fmt_ns(e.get('reset_dirty_ns'))} | {fmt_ns(e.get('first_ecall_after_reset_ns'))} | "
                     f"{fmt_ns(e.get('create_to_first_ecall_ns'))} | "
                     f"{fmt_ratio(e.get('ratio_reset_plus_first_ecall_vs_create'))} | "
                     f"{fmt_ns(e.get('create_from_snapshot_ns'))} ({fmt_ratio(e.get('ratio_create_from_snapshot_vs_create'))}) |")
    return lines + [""]


def payload_svg(scale):
    series = []
    memcpy_done = False
    for e in scale["engines"]:
        pay = e.get("payload") or []
        for key, label in (("in_ns", "[in]"), ("out_ns", "[out]"), ("in_out_ns", "[in,out]")):
            series.append((f"{e.get('engine')} {label}", [(p["bytes"], p.get(key) or 0) for p in pay]))
        if pay and not memcpy_done:
            series.append(("memcpy", [(p["bytes"], p.get("memcpy_ns") or 0) for p in pay]))
            memcpy_done = True
    return svg_plot("ECALL latency by payload size", "bytes moved", "round trip", series, True, True,
                    fmt_bytes, lambda v: fmt_ns(v))


def density_svg(scale):
    series = []
    for e in scale["engines"]:
        series.append((e.get("engine", "?"), [(d.get("alive", d.get("n", 0)), d.get("create_to_first_ecall_mean_ns") or 0)
                                              for d in e.get("density") or []]))
    return svg_plot("create -> first ECALL by enclaves alive", "enclaves alive (N)", "mean create time", series,
                    True, False, lambda v: str(int(v)), lambda v: f"{v / 1e6:.1f} ms")


def render(m, calls, scale, sc, plot_dir_rel, snap=None):
    lines = [BEGIN, "", "## Figures of the last `make bench`", "",
             "Generated by bench/publish.py; do not edit by hand. Machine: "
             f"{m['cpu']}, {m['cpus']} CPUs, kernel {m['kernel']}, KVM: {m['kvm']}; run {m['date']}. "
             "Shared machines are noisy: compare the ratios, which are taken in the same run.", ""]
    if calls:
        lines += calls_tables(calls)
    if scale:
        lines += scale_tables(scale)
        lines += [f"![latency by payload size]({plot_dir_rel}/payload.svg)", "",
                  f"![create time by enclaves alive]({plot_dir_rel}/density.svg)", ""]
    if sc:
        lines += sc_tables(sc)
    if snap:
        lines += snapshot_tables(snap)
    lines.append(END)
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description="write the figures of one bench run into the performance page")
    ap.add_argument("--calls", help="bench_calls JSON")
    ap.add_argument("--scale", help="bench_scale JSON")
    ap.add_argument("--sc", help="bench_sc JSON")
    ap.add_argument("--snapshot", help="bench_snapshot JSON")
    ap.add_argument("--doc", required=True, help="the Markdown page holding the bench:begin/end markers")
    ap.add_argument("--plots", required=True, help="folder for bench.json and the SVG plots")
    ap.add_argument("--kvm-kind", default=None, help="which KVM this machine has (cgear doctor --kvm-kind)")
    a = ap.parse_args(argv)
    try:
        calls = load(a.calls, "bench_calls")
        scale = load(a.scale, "bench_scale")
        sc = load(a.sc, "bench_sc")
        snap = load(a.snapshot, "bench_snapshot")
        if not (calls or scale or sc or snap):
            raise InputError("no bench result given (--calls, --scale, --sc, --snapshot)")
        try:
            with open(a.doc, encoding="utf-8") as f:
                doc = f.read()
        except OSError as e:
            raise InputError(f"{a.doc}: {e}")
        b, e_ = doc.find(BEGIN), doc.find(END)
        if b < 0 or e_ < b:
            raise InputError(f"{a.doc}: no '{BEGIN}' ... '{END}' section to fill; add the two markers where the figures go")
        m = machine(a.kvm_kind)
        os.makedirs(a.plots, exist_ok=True)
        svgs = {}
        if scale:
            svgs["payload.svg"] = payload_svg(scale)
            svgs["density.svg"] = density_svg(scale)
        rel = os.path.relpath(a.plots, os.path.dirname(os.path.abspath(a.doc)))
        section = render(m, calls, scale, sc, rel, snap)
    except InputError as e:
        print(f"publish.py: {e}", file=sys.stderr)
        return 2
    for name, text in svgs.items():
        with open(os.path.join(a.plots, name), "w", encoding="utf-8") as f:
            f.write(text)
    with open(os.path.join(a.plots, "bench.json"), "w", encoding="utf-8") as f:
        json.dump({"machine": m, "calls": calls, "scale": scale, "secure_channel": sc, "snapshot": snap}, f, indent=1)
        f.write("\n")
    new = doc[:b] + section.rstrip("\n") + doc[e_ + len(END):]
    with open(a.doc, "w", encoding="utf-8") as f:
        f.write(new)
    print(f"publish.py: {a.doc} updated; plots and bench.json in {a.plots}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
