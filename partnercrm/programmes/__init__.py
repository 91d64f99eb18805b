"""The programmes in the browser (DESIGN §7): list, download, upload with a preview, publish."""
