"""The course's end-to-end pipelines, one implementation for the capstone chapters and the
``ftcourse`` command: data (JSONL, dedup, leakage-free splits) -> train -> evaluate -> report ->
compare -> save -> deploy (int8, ONNX) -> serve (FastAPI).

=====================  ==============================================================
module                 what it does
=====================  ==============================================================
``jsonl``              read rows with ``FILE:LINE`` errors, write rows
``splits``             normalise, deduplicate, split by text groups (no leakage)
``metrics``            accuracy, macro-F1, ROC AUC from scores, confusion; bootstrap
``classify``           the classification pipeline (``Trainer``, early stopping, saving)
``report``             evaluation reports (JSON + Markdown) with provenance
``compare``            two reports side by side, with bootstrap intervals
``deploy``             fp32 vs dynamic int8 vs ONNX Runtime
``serve``              the FastAPI service
``cli``                ``ftcourse``: the command that chains all of the above
=====================  ==============================================================

Importing this package imports nothing heavy; each module imports what it needs.
"""
