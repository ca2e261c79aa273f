#!/usr/bin/env bash
# Debian packages the tests need: Japanese TrueType fonts to render test PDFs, qpdf to make an
# encrypted one, poppler-utils for looking at pages, Chromium for the browser test, LibreOffice
# Calc and Writer (no GUI) to print the renderings of tests/render_calc.py and tests/render_writer.py,
# Tesseract and its Japanese model for scanned reports (extract/reading/read_ocr.py; needed at run time too),
# util-linux for setpriv (tests/test_hostile_build.py drops root's power over permission bits with it).
set -euo pipefail
packages=(fonts-ipafont-mincho fonts-ipafont-gothic fonts-ipaexfont-mincho fonts-ipaexfont-gothic qpdf poppler-utils chromium libreoffice-calc-nogui libreoffice-writer-nogui tesseract-ocr tesseract-ocr-jpn util-linux)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
