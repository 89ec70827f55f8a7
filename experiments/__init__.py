"""Experiment runner for resample_jax: super-resolution and segmentation comparisons of resampling
methods, every method on several seeds trained together as one vectorised ensemble.

Run (from any directory once the package is installed with ``pip install -e .``)::

    python -m experiments sr --methods pixel_shuffle,conv_transpose --workdir /tmp/sr
    python -m experiments seg --methods max_pool,max_blur_pool --workdir /tmp/seg
    python -m experiments --list-methods

Layout follows the Flax examples: ``__main__`` parses the command line into a config
(``configs.py``) and calls ``train.train_and_evaluate(config, workdir)``. A task object per task
(``sr.py``, ``seg.py``; the interface in ``tasks.py``) owns its data, runs, reference rows, metric
columns, figures and report sections. ``train.py`` trains the seeds of a method as one ensemble;
``data.py`` builds the datasets, ``models.py`` maps method names to resample_jax modules,
``metrics.py`` holds PSNR / SSIM / IoU / shift consistency, ``stats.py`` the intervals over seeds,
``checkpoint.py`` wraps Orbax, ``report.py`` writes report.md and the shared figures.
"""
