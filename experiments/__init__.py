"""Experiment runner for resample_jax: super-resolution and segmentation comparisons of resampling
methods.

Run from the repository root::

    python -m experiments sr --methods subpixel,transposed --seeds 0,1 --workdir /tmp/sr
    python -m experiments seg --methods max_pool,blur_pool --workdir /tmp/seg

Layout follows the Flax examples: ``__main__`` parses the command line into a config
(``configs.py``) and calls ``train.train_and_evaluate(config, workdir)``; ``data.py`` builds the
datasets, ``models.py`` maps method names to resample_jax modules, ``metrics.py`` holds PSNR / SSIM
/
IoU / shift consistency, ``checkpoint.py`` wraps Orbax, ``report.py`` writes report.md and figures.
"""
