"""Files Kopir makes or checks: exports (CSV, XLSX, ZIP), calendar files, and contest works
cleaned of their authors' metadata. A new export goes here."""
