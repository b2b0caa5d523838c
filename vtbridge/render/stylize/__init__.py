"""Stylised camera: a neural painting style (vendored multistyle network or a user's image-to-image ONNX model) or a
built-in cartoon filter, over the whole frame or only the person or the face."""
