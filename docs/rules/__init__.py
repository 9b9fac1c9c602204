"""Rule pages shipped with minlint (installed as ``minlint.ruledocs_data``).

The Markdown files beside this one are read by ``minlint.ruledocs``; this file
only makes the folder a regular package, which every supported Python's
importlib.resources and setuptools' editable installs handle alike.
"""
