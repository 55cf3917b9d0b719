"""Short-axis segmentation trained only on synthetic images, and the measurements it gives.

Public surface: `segment.commands.segment_study` (a study folder in, masks and
`measurements.json` out), `segment.infer.Segmenter`, `segment.train.train` (label maps come
from the caller), `segment.study.analyse`. Nothing here imports the phantom.
"""
