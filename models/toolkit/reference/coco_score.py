#!/usr/bin/env python3
"""Score caption items with pycocoevalcap, the reference coco-caption implementation.

stdin:  JSON array of {"id", "candidate", "references": [...]}
stdout: JSON {"metrics": {BLEU_1..BLEU_4, METEOR, ROUGE_L, CIDEr},
              "meteor_without_paraphrase": float,
              "meteor_paraphrase_table": path of Meteor's paraphrase-en.gz,
              "tokenized": [{"id", "candidate", "references"}]}

The tokenised texts are printed so a caller can score exactly the same tokens with another
implementation; METEOR is also run with the paraphrase module off, which separates the part of a
METEOR gap due to the paraphrase table from the rest.
Flags: --no-tokenize skips the PTB step (for text that is already tokenised and lowercased).
"""
import json
import os
import subprocess
import sys
import threading

from pycocoevalcap.bleu.bleu import Bleu
from pycocoevalcap.cider.cider import Cider
from pycocoevalcap.meteor import meteor as meteor_module
from pycocoevalcap.meteor.meteor import Meteor
from pycocoevalcap.rouge.rouge import Rouge
from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer


class MeteorWithoutParaphrase(Meteor):
    """Meteor 1.5 with only exact, stem and synonym modules at their default 'rank' weights."""

    def __init__(self):
        self.meteor_cmd = ['java', '-jar', '-Xmx2G', meteor_module.METEOR_JAR, '-', '-', '-stdio',
                           '-l', 'en', '-norm', '-m', 'exact stem synonym', '-w', '1.0 0.6 0.8']
        self.meteor_p = subprocess.Popen(self.meteor_cmd,
                                         cwd=os.path.dirname(os.path.abspath(meteor_module.__file__)),
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=subprocess.PIPE)
        self.lock = threading.Lock()


def main() -> None:
    tokenize = '--no-tokenize' not in sys.argv[1:]
    items = json.load(sys.stdin)
    ids = [str(item['id']) for item in items]
    if len(set(ids)) != len(ids):
        sys.exit('coco_score.py: item ids must be unique')

    gts = {i: [{'caption': r} for r in item['references']] for i, item in zip(ids, items)}
    res = {i: [{'caption': item['candidate']}] for i, item in zip(ids, items)}
    if tokenize:
        tokenizer = PTBTokenizer()
        gts = tokenizer.tokenize(gts)
        res = tokenizer.tokenize(res)
    else:
        gts = {i: [c['caption'] for c in caps] for i, caps in gts.items()}
        res = {i: [c['caption'] for c in caps] for i, caps in res.items()}

    metrics = {}
    bleu, _ = Bleu(4).compute_score(gts, res, verbose=0)
    for n, value in enumerate(bleu, start=1):
        metrics[f'BLEU_{n}'] = float(value)
    metrics['METEOR'] = float(Meteor().compute_score(gts, res)[0])
    metrics['ROUGE_L'] = float(Rouge().compute_score(gts, res)[0])
    metrics['CIDEr'] = float(Cider().compute_score(gts, res)[0])
    meteor_no_para = float(MeteorWithoutParaphrase().compute_score(gts, res)[0])

    json.dump({
        'metrics': metrics,
        'meteor_without_paraphrase': meteor_no_para,
        'meteor_paraphrase_table': os.path.join(
            os.path.dirname(os.path.abspath(meteor_module.__file__)), 'data', 'paraphrase-en.gz'),
        'tokenized': [{'id': i, 'candidate': res[i][0], 'references': gts[i]} for i in ids],
    }, sys.stdout)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
