collect_ignore_glob = ["*"]  # the harness is run by bench/run.py, never collected by pytest
