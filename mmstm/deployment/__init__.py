"""Deployment: a config's model as an ONNX file, checked in onnxruntime
(``tools/deployment/pytorch2onnx.py``)."""
from .exportable import (PARTS, compare_throughput, default_part,
                         exportable_model)
from .onnx_export import (OPSET, ExportError, check_standard_operators,
                          compare_outputs, export_onnx, fixed_size_reasons,
                          onnx_session)

__all__ = ['ExportError', 'OPSET', 'PARTS', 'check_standard_operators',
           'compare_outputs', 'compare_throughput', 'default_part',
           'export_onnx', 'exportable_model', 'fixed_size_reasons',
           'onnx_session']
