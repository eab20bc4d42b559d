"""``scratchdl playground``: a local page that trains a small network live (see ``scratchdl.playground``).

Listens on 127.0.0.1 only, prints the page's URL with its access token and opens it in the browser
(unless ``--no-browser``). Ctrl-C stops it: the training and the server end, ``stopped`` is printed
and the status is 0 (Ctrl-C is how a server is meant to be ended, not an error).

The networks are small (at most 8 layers of 64 units): the layers and BLAS run on one thread, which
measured 3-8 times faster per frame than two on a busy 2-core machine and leaves a core to the browser.
"""

from __future__ import annotations

import sys

from ..lang import LANGS, default_lang
from .options import port_number


def register(commands) -> None:
    p = commands.add_parser(
        "playground", help="watch a network learn, live, in the browser (local, offline)",
        description="Serve a page on 127.0.0.1 where a small network trains on 2-D data as you change "
        "its layers, activation, initializer and optimizer: decision boundary, curves, per-layer "
        "gradient norms, every unit's map, and the code of each layer. Ctrl-C stops it (status 0).")
    p.add_argument("--port", type=port_number, default=0,
                   help="port on 127.0.0.1 (default 0: any free port)")
    p.add_argument("--lang", choices=LANGS, help="language of the page (default: SCRATCHDL_LANG, "
                   "then the locale, then en)")
    p.add_argument("--no-browser", action="store_true", help="print the URL only; do not open a browser")
    p.set_defaults(run=run)


def run(args) -> int:
    from threadpoolctl import threadpool_limits

    from ..nn import blocks
    from ..playground.server import PlaygroundServer

    lang = args.lang or default_lang()
    try:
        server = PlaygroundServer(port=args.port, lang=lang)
    except OSError as e:
        print(f"scratchdl playground: error: cannot listen on 127.0.0.1:{args.port}: {e.strerror or e}",
              file=sys.stderr)
        return 2
    blocks.NUM_THREADS = 1
    print(f"scratchdl playground: {server.url}", flush=True)
    print("Ctrl-C stops it." if lang == "en" else "Ctrl-C で止まります。", flush=True)
    if not args.no_browser:
        import webbrowser

        webbrowser.open(server.url)
    try:
        with threadpool_limits(limits=1, user_api="blas"):  # small products: one BLAS thread is fastest
            server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    print("scratchdl playground: stopped", flush=True)
    return 0
