"""Application services: combine keystore (signing) and node (chain access). No Textual."""
