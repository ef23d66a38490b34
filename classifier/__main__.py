"""Command line: python -m classifier train|evaluate."""

import argparse
import json
import sys

from classifier.errors import ClassifierError, DataError
from classifier.model import TrainedModel
from classifier.train import HOLDOUT, MIN_PER_LABEL, evaluate, left_out_scarce, read_csv, train


def _train(args):
    texts, labels, skipped = read_csv(args.data, skip_bad=True) if args.skip_bad else (*read_csv(args.data), [])
    texts, labels, left_out = left_out_scarce(texts, labels)
    if not texts:
        raise DataError(f"every label has fewer than {MIN_PER_LABEL} examples: {', '.join(left_out)}")
    model = train(texts, labels, holdout=args.holdout, refit=True)
    model.save(args.out)
    metrics = {key: model.metrics[key] for key in ("macro_f1", "accuracy", "ece", "method") if key in model.metrics}
    if "n_samples" in model.metrics:
        metrics["n_held_out"] = model.metrics["n_samples"]
    return {"out": str(args.out), "n_samples": model.n_samples, "training_seconds": model.training_seconds,
            "labels": model.labels} | metrics | {
        "left_out": {label: f"only {n} examples, fewer than {MIN_PER_LABEL}" for label, n in left_out.items()},
        "skipped_rows": [{"line": line, "reason": reason} for line, reason in skipped]}


def _evaluate(args):
    model = TrainedModel.load(args.model)
    return evaluate(model, *read_csv(args.data))


def _parser():
    parser = argparse.ArgumentParser(prog="python -m classifier", description="Train and evaluate ticket classifiers.")
    commands = parser.add_subparsers(required=True, metavar="command")
    train_cmd = commands.add_parser("train", help="train a model on a labelled CSV file and save it")
    train_cmd.add_argument("--data", required=True, help="CSV with columns text, label and optional subject, address")
    train_cmd.add_argument("--out", required=True, help="directory to write model.joblib and metadata.json to")
    train_cmd.add_argument("--holdout", type=float, default=HOLDOUT,
                           help="share of rows the model is scored on, from 0.2 to below 0.5 (cross-validated "
                                "when there are few rows); 0 to train without scoring")
    train_cmd.add_argument("--skip-bad", action="store_true",
                           help="leave out bad rows (listed with their line numbers) instead of stopping")
    train_cmd.set_defaults(run=_train)
    evaluate_cmd = commands.add_parser("evaluate", help="score a saved model on a labelled CSV file, as JSON")
    evaluate_cmd.add_argument("--model", required=True, help="directory of a saved model")
    evaluate_cmd.add_argument("--data", required=True,
                              help="CSV with columns text, label and optional subject, address")
    evaluate_cmd.set_defaults(run=_evaluate)
    return parser


def main(argv=None):
    parser = _parser()
    args = parser.parse_args(argv)
    if not (getattr(args, "holdout", 0) == 0 or HOLDOUT <= args.holdout < 0.5):
        parser.error(f"--holdout must be 0 or at least {HOLDOUT} and below 0.5")
    try:
        result = args.run(args)
    except (ClassifierError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
