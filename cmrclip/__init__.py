"""CMR-CLIP: the contrastive video/text model, its preprocessing, training and evaluation.

Entry points: `cmrclip.model.create_model` (a model and its preprocessing),
`cmrclip.checkpoint.load_checkpoint` (and `DEMO_CHECKPOINT`), `cmrclip.inference.Encoder`
(vectors for indexing and search), `cmrclip.train.train` and `cmrclip.run_eval.run_evaluation`.
The released CMR-CLIP weights run as the architecture `cmrclip-published` (`cmrclip.published`,
loaded from their folder by `cmrclip.release`, converted by `checkpoint.convert_release`).
The caller brings the data: this package reads no archive.
"""
