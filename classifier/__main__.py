"""Command line: python -m classifier train|evaluate."""

import argparse
import json
import sys

from classifier.errors import ClassifierError
from classifier.model import TrainedModel
from classifier.train import evaluate, read_csv, train


def _train(args):
    texts, labels = read_csv(args.data)
    model = train(texts, labels, holdout=args.holdout)
    model.save(args.out)
    return {"out": str(args.out), "n_samples": model.n_samples, "training_seconds": model.training_seconds,
            "labels": model.labels} | {key: model.metrics[key] for key in ("macro_f1", "accuracy")
                                       if key in model.metrics}


def _evaluate(args):
    model = TrainedModel.load(args.model)
    return evaluate(model, *read_csv(args.data))


def _parser():
    parser = argparse.ArgumentParser(prog="python -m classifier", description="Train and evaluate ticket classifiers.")
    commands = parser.add_subparsers(required=True, metavar="command")
    train_cmd = commands.add_parser("train", help="train a model on a labelled CSV file and save it")
    train_cmd.add_argument("--data", required=True, help="CSV with columns text, label and optional subject, address")
    train_cmd.add_argument("--out", required=True, help="directory to write model.joblib and metadata.json to")
    train_cmd.add_argument("--holdout", type=float, default=0.1,
                           help="share of rows kept out of training to score the model (0 to train on all)")
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
    if not 0 <= getattr(args, "holdout", 0) < 0.5:
        parser.error("--holdout must be at least 0 and below 0.5")
    try:
        result = args.run(args)
    except (ClassifierError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
