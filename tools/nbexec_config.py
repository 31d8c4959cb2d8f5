# nbconvert settings that make re-executed notebooks byte-stable: no timings, no volatile metadata.
c = get_config()  # noqa: F821 (provided by traitlets when nbconvert loads this file)
c.ExecutePreprocessor.record_timing = False
c.ExecutePreprocessor.timeout = 1800
c.ClearMetadataPreprocessor.enabled = True
c.ClearMetadataPreprocessor.preserve_cell_metadata_mask = {"tags", "mystnb"}
c.ClearMetadataPreprocessor.preserve_nb_metadata_mask = {"kernelspec", "jupytext", ("language_info", "name")}
