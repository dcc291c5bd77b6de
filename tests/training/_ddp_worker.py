"""Run by test_train_ddp.py under ``torchrun --nproc_per_node 2``: train, then report per rank.

Usage: python -m torch.distributed.run --nproc_per_node 2 _ddp_worker.py MODEL TRAIN DEV OUT
"""

from __future__ import annotations

import hashlib
import sys

from _train_helpers import print_report, rank_report

from nerlab.training import train


def main() -> None:
    model, train_file, dev_file, out = sys.argv[1:5]
    result = train(
        model=model,
        train=train_file,
        dev=dev_file,
        test=dev_file,
        output=out,
        epochs=1,
        batch_size=8,
        learning_rate=2e-3,
        precision="fp32",
    )
    digest = hashlib.sha256()
    for name, tensor in sorted(result.model.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().numpy().tobytes())
    report = {
        **rank_report(result),
        "dev_f1": result.dev.main_score,
        "test_pred": result.test.pred,
        "weights": digest.hexdigest(),
    }
    print_report(report)


if __name__ == "__main__":
    main()
