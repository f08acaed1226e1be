"""`reasoning serve [MODEL] --port P`: an OpenAI-compatible server on 127.0.0.1 (see reasoning.serve).

Then `reasoning solve SOURCE --backend openai --base-url http://127.0.0.1:P/v1` samples through it; start one per
GPU or machine and pass every URL to spread the work. Importing this module is cheap (no torch).
"""

from __future__ import annotations

import argparse


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="serve a model over an OpenAI-compatible HTTP API on 127.0.0.1",
        description="Serve MODEL on 127.0.0.1:PORT with /v1/models, /v1/completions and /v1/chat/completions.",
    )
    _add_arguments(parser)


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "model", nargs="?", default=None, help="HF model directory or hub id (default: the built-in model)"
    )
    parser.add_argument("--port", type=int, default=8000, help="TCP port on 127.0.0.1 (0 = any free port)")
    parser.add_argument("--backend", default="transformers", choices=["transformers", "vllm"], help="backend behind it")
    parser.add_argument("--served-model-name", default=None, help="model name clients send (default: the model path)")
    parser.add_argument("--batch-size", type=int, default=64, help="most sequences generated together")
    parser.add_argument(
        "--batch-wait-ms", type=float, default=20.0, help="gather requests into a batch until none arrives this long"
    )
    parser.add_argument("--quiet", action="store_true", help="do not log each request")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import signal

    from reasoning.backends.registry import make_backend
    from reasoning.serve import ModelServer

    model_path = args.model
    if model_path is None:
        from reasoning.solve import resolve_model

        model_path, _ = resolve_model(None, progress=not args.quiet)
    backend = make_backend(args.backend, model_path, batch_size=args.batch_size)
    server = ModelServer(
        backend,
        port=args.port,
        model_name=args.served_model_name,
        max_batch=args.batch_size,
        batch_wait_s=args.batch_wait_ms / 1000,
        verbose=not args.quiet,
    )

    def _stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    # Printed (and flushed) only once the socket is bound, so scripts can wait for this line.
    print(f"serving {server.model_name} at {server.url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("server stopped", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run `serve` on its own: `python -m reasoning.serve_cli MODEL --port P`."""
    parser = argparse.ArgumentParser(prog="reasoning serve", description="Serve a model over an OpenAI-compatible API.")
    _add_arguments(parser)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
