"""`reasoning solve` (flags map one-to-one onto `SolveConfig` / `SamplingConfig` fields) and `reasoning rescore`."""

from __future__ import annotations

import argparse


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    add_solve_parser(subparsers)
    add_rescore_parser(subparsers)


def add_solve_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "solve",
        help="sample chains of thought for a problem set, verify, vote, and write a run",
        description="Sample n chains of thought per problem, verify each answer, majority-vote, and write runs/<id>/.",
    )
    parser.add_argument("source", help="problem file (.jsonl/.json/.csv/.parquet) or bundled set name, e.g. arith-test")
    parser.add_argument("--model", default=None, help="HF model directory or hub id (default: the built-in model)")
    parser.add_argument(
        "--backend", default="transformers", choices=["auto", "transformers", "vllm", "openai"],
        help="generation backend (auto: vllm when installed with a GPU, else transformers)",
    )
    parser.add_argument("--base-url", action="append", default=[], help="openai backend: server URL (repeatable)")
    parser.add_argument("--served-model", default=None, help="openai backend: model name on the server")
    parser.add_argument("--openai-chat", action="store_true", help="openai backend: use /v1/chat/completions")
    parser.add_argument("--concurrency", type=int, default=None, help="openai backend: requests in flight per server")
    parser.add_argument("--max-retries", type=int, default=None, help="openai backend: retries per failed request")
    parser.add_argument("--stream", action="store_true",
                        help="openai backend: stream responses (records time to first token per sample)")
    parser.add_argument("--tensor-parallel-size", type=int, default=None, help="vllm backend: GPUs per replica")
    parser.add_argument("--gpu-memory-utilization", type=float, default=None, help="vllm backend: GPU memory share")
    parser.add_argument("--max-model-len", type=int, default=None, help="vllm backend: context length")
    parser.add_argument("--logprobs", action="store_true",
                        help="record per-sample log-probability (logprob_sum, logprob_mean); costs vLLM throughput")
    parser.add_argument("-n", type=int, default=8, help="samples per problem")
    parser.add_argument("--temperature", type=float, default=0.8, help="sampling temperature; 0 = greedy")
    parser.add_argument("--top-p", type=float, default=1.0, help="nucleus sampling mass (1 = off)")
    parser.add_argument("--top-k", type=int, default=0, help="top-k sampling (0 = off)")
    parser.add_argument(
        "--max-tokens", type=int, default=None, help="generated-token budget per sample (default 512, or --effort's)"
    )
    parser.add_argument(
        "--effort", choices=["low", "medium", "high"], default=None, help="named token budget: 1024 / 4096 / 16384"
    )
    parser.add_argument(
        "--no-force-answer", dest="force_answer", action="store_false",
        help="do not ask samples cut off at the budget for a final answer (budget forcing is on by default)",
    )
    parser.add_argument("--answer-tokens", type=int, default=32, help="token budget of a forced final answer")
    parser.add_argument("--seed", type=int, default=0, help="random seed (samples are reproducible per seed)")
    parser.add_argument("--stop", action="append", default=[], help="extra stop string (repeatable)")
    parser.add_argument("--batch-size", type=int, default=64, help="sequences generated together")
    parser.add_argument("--out", default=None, help="run directory (default runs/<time>-<source>-<model>)")
    parser.add_argument("--resume", action="store_true", help="continue the interrupted run in --out")
    parser.add_argument("--limit", type=int, default=None, help="only the first N problems")
    parser.add_argument("--question-field", default=None, help="column holding the question")
    parser.add_argument("--answer-field", default=None, help="column holding the gold answer")
    parser.add_argument("--id-field", default=None, help="column holding the problem id")
    parser.add_argument("--skip-bad", action="store_true", help="skip malformed rows (counted) instead of stopping")
    parser.add_argument("--system-prompt", default=None, help="system message to prepend")
    parser.add_argument("--think", action="store_true", help="open an R1-style <think> block in the prompt")
    parser.add_argument("--verify-timeout", type=float, default=5.0, help="seconds allowed per verification")
    parser.add_argument(
        "--scorer", default=None, help="weighted vote / best-of-n scorer: oracle, rm:PATH or fn:MODULE:FUNCTION"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import signal

    from reasoning.budget import effort_tokens
    from reasoning.config import SamplingConfig, SolveConfig
    from reasoning.solve import solve
    from reasoning.summary import format_summary

    config = SolveConfig(
        source=args.source,
        model=args.model,
        backend=args.backend,
        sampling=SamplingConfig(
            n=args.n,
            temperature=args.temperature,
            top_p=args.top_p,
            top_k=args.top_k,
            max_tokens=args.max_tokens or (effort_tokens(args.effort) if args.effort else 512),
            seed=args.seed,
            stop=tuple(args.stop),
        ),
        batch_size=args.batch_size,
        out=args.out,
        resume=args.resume,
        limit=args.limit,
        question_field=args.question_field,
        answer_field=args.answer_field,
        id_field=args.id_field,
        skip_bad=args.skip_bad,
        system_prompt=args.system_prompt,
        think=args.think,
        verify_timeout=args.verify_timeout,
        effort=args.effort,
        force_answer=args.force_answer,
        answer_tokens=args.answer_tokens,
        scorer=args.scorer,
        base_urls=tuple(args.base_url),
        served_model=args.served_model,
        openai_chat=args.openai_chat,
        concurrency=args.concurrency,
        max_retries=args.max_retries,
        stream=args.stream,
        tensor_parallel_size=args.tensor_parallel_size,
        gpu_memory_utilization=args.gpu_memory_utilization,
        max_model_len=args.max_model_len,
        logprobs=args.logprobs,
    )

    # A plain `kill` (SIGTERM) stops the run like Ctrl-C: finished samples are saved and the run can be resumed.
    def _terminate(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminate)
    result = solve(config, progress=not args.quiet)
    print(format_summary(result.summary))
    print(f"\nrun written to {result.run_dir}")
    return 0


def add_rescore_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "rescore",
        help="re-verify a run's samples with the current verifiers (no resampling)",
        description="Re-verify every sample of RUN and recompute its summary; writes RUN/rescore-<time>/ (or --out).",
    )
    parser.add_argument("run", help="run directory (runs/<run-id>)")
    parser.add_argument("--out", default=None, help="output directory (default RUN/rescore-<time>)")
    parser.add_argument("--verify-timeout", type=float, default=5.0, help="seconds allowed per verification")
    parser.add_argument("--workers", type=int, default=None, help="verification worker processes")
    parser.add_argument("--scorer", default=None, help="also score samples: oracle, rm:PATH or fn:MODULE:FUNCTION")
    parser.set_defaults(func=run_rescore)


def run_rescore(args: argparse.Namespace) -> int:
    from reasoning.rescore import rescore
    from reasoning.summary import format_summary

    out_dir, summary = rescore(
        args.run, out=args.out, timeout=args.verify_timeout, workers=args.workers, scorer=args.scorer
    )
    print(format_summary(summary))
    print(f"\nre-scored run written to {out_dir}")
    return 0
