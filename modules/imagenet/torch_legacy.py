"""Reads a PyTorch state dict saved in the legacy (pre-1.6, non-zip) format without PyTorch.

The file is a run of pickles (magic number, protocol, system info, the state dict whose tensors
point at storages by key, the list of storage keys), then each storage's raw bytes preceded by
its element count. Only what a plain float state dict needs is understood.
"""
import collections
import pickle
import struct

import numpy as np

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
DTYPES = {
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "HalfStorage": np.float16,
    "LongStorage": np.int64,
    "IntStorage": np.int32,
    "ByteStorage": np.uint8,
}


class _TensorRef(collections.namedtuple("_TensorRef", "storage offset size stride")):
    pass


def _rebuild_tensor_v2(storage, offset, size, stride, *_rest):
    return _TensorRef(storage, offset, tuple(size), tuple(stride))


class _Unpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if name == "_rebuild_tensor_v2":
            return _rebuild_tensor_v2
        if module == "collections" and name == "OrderedDict":
            return collections.OrderedDict
        if module.startswith("torch") and name.endswith("Storage"):
            return name  # the storage type travels as its class name
        raise pickle.UnpicklingError(f"unexpected class {module}.{name}")

    def persistent_load(self, pid):
        # ("storage", storage_type, key, location, numel[, view_metadata])
        return {"type": pid[1], "key": pid[2]}


def load_state_dict(path):
    """Returns an ordered {name: numpy array} for every tensor in the file."""
    with open(path, "rb") as f:
        if pickle.load(f) != LEGACY_MAGIC:
            raise ValueError(f"{path}: not a legacy PyTorch file")
        pickle.load(f)  # protocol version
        pickle.load(f)  # system info (endianness, type sizes)
        tensors = _Unpickler(f).load()
        keys = pickle.load(f)
        types = {t.storage["key"]: t.storage["type"] for t in tensors.values()}
        storages = {}
        for key in keys:
            (count,) = struct.unpack("<q", f.read(8))
            dtype = np.dtype(DTYPES[types[key]])
            storages[key] = np.frombuffer(f.read(count * dtype.itemsize), dtype=dtype)
    out = collections.OrderedDict()
    for name, t in tensors.items():
        data = storages[t.storage["key"]]
        strides = [s * data.itemsize for s in t.stride]
        view = np.lib.stride_tricks.as_strided(data[t.offset:], shape=t.size, strides=strides)
        out[name] = view.copy()
    return out
