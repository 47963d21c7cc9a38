-- No validation user's sequence appears, as a window of 3 consecutive IDs, in a training conversation built from
-- sequences (types C, E, F). Windows that training users bought too are not evidence of a leak and are excluded
-- (macro ft_val_windows_in_train). Returns the leaked windows.
{{ config(tags=['stage_04']) }}
{{ ft_val_windows_in_train(ref('conversations')) }}
