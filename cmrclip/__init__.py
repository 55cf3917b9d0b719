"""CMR-CLIP: the contrastive video/text model, its training and its evaluation.

Entry points: `cmrclip.model.create_model`, `cmrclip.checkpoint.load_checkpoint` (and
`DEMO_CHECKPOINT`), `cmrclip.train.train`, `cmrclip.run_eval.run_evaluation`.
"""
