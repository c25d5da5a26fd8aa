//! The `rbmdyn` command line: train | sample | logz | spectrum | integrate | validate |
//! bench-meanfield.

use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use rand::SeedableRng;
use rbmdyn::error::{Error, Result};
use rbmdyn::io::{load_model, write_atomic};
use rbmdyn::likelihood::LogZMethod;
use rbmdyn::run::config::name_flags;
use rbmdyn::run::{train, RunDir, RunOptions, TrainConfig};
use rbmdyn::sampling::{run_chains, ChainState};
use rbmdyn::units::UnitKind;
use rbmdyn::validation::{self, Level, ValidationContext};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// rbmdyn: the statistical physics of RBM learning, tested against numbers.
#[derive(Parser, Debug)]
#[command(name = "rbmdyn", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Train an RBM (TOML config and/or flags; flags win). Writes a run directory with
    /// config.toml, metrics.csv, checkpoints/ and model.npz.
    Train(Box<TrainArgs>),
    /// Draw samples from a model file by block Gibbs sampling; PNG grid for image data.
    Sample(SampleArgs),
    /// Estimate ln Z of a model file; prints one JSON object with a `log_z` field.
    Logz(LogzArgs),
    /// Analyse the spectrum of W over a run (RUN_DIR trained with --spectrum-per-decade > 0)
    /// or of one model file: outliers of the Marchenko–Pastur bulk, bulk shrinkage, hierarchy,
    /// rank-plot cutoff and stopping signal, overlaps with the data's principal axes,
    /// reconstruction from the top modes. Writes PNG figures and spectrum.json to --out.
    Spectrum(SpectrumArgs),
    /// Integrate an analytic toy model (one subcommand per model, with its own flags),
    /// optionally overlaying a training run (--compare RUN_DIR): writes trajectory.csv,
    /// trajectory.json (with the parameters and the theory's rates and fixed points) and
    /// trajectory.png to --out.
    Integrate(IntegrateArgs),
    /// Run the validation cases; writes report.md, summary.json and figures/. Exit status 1
    /// when a case fails.
    Validate(ValidateArgs),
    /// Benchmark the mean-field estimates of ln Z (naive, TAP2, TAP3 × parallel, sequential,
    /// L-BFGS) on random models of several sizes and coupling strengths g (weight std
    /// g/sqrt(Nv)) and on model files, against enumeration or AIS. Writes bench-meanfield.md
    /// and bench-meanfield.json to --out and prints the Markdown.
    BenchMeanfield(BenchMeanfieldArgs),
    /// Finite-size scaling sweep (sweep.toml: sizes × seeds × hidden-unit families of the
    /// Curie–Weiss teacher): trains each point with equilibrium measurements of χ, χ^c and the
    /// Gibbs autocorrelation time along training, in parallel; resumable (finished points are
    /// skipped). Writes points/*.json, table.csv, summary.json and figures/ to --out.
    Scale(ScaleArgs),
}

#[derive(Args, Debug)]
struct ScaleArgs {
    /// The sweep's TOML file (see validation/sweeps/*.toml).
    #[arg(long)]
    config: PathBuf,
    /// Output directory (re-running into it resumes the sweep).
    #[arg(long)]
    out: PathBuf,
    /// Points run at once (default: the file's `jobs`, 0 = one per core).
    #[arg(long)]
    jobs: Option<usize>,
    /// No per-point progress lines.
    #[arg(long)]
    quiet: bool,
}

/// The `train` subcommand: the run's configuration (every section of [`TrainConfig`] as
/// flags) plus what is not part of it.
#[derive(Args, Debug)]
#[allow(clippy::struct_excessive_bools)] // command-line switches, one field per flag
struct TrainArgs {
    /// TOML configuration file (keys as in a run's config.toml); flags given on the command
    /// line win over it.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Run directory (default runs/<dataset>-<estimator>-h<hidden>-s<seed>).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Continue the run in --out from its checkpoint.npz (its config.toml is used unless
    /// --config is given; --epochs may extend it).
    #[arg(long)]
    resume: bool,
    /// No progress bar or epoch lines.
    #[arg(long)]
    quiet: bool,
    #[command(flatten)]
    run: TrainConfig,
}

#[derive(Args, Debug)]
struct SampleArgs {
    /// Model file (.npz; a checkpoint works too).
    #[arg(long)]
    model: PathBuf,
    /// Number of samples (chains).
    #[arg(long, default_value_t = 100)]
    n: usize,
    /// Gibbs sweeps from uniform random starts.
    #[arg(long, default_value_t = 1000)]
    sweeps: usize,
    /// Seed.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Output file (.png for image data, else a text file of samples).
    #[arg(long, default_value = "samples.png")]
    out: PathBuf,
    /// Image shape ROWSxCOLS (default: 28x28 for 784 units, 8x8 for 64, else none).
    #[arg(long)]
    image_shape: Option<String>,
    /// Images per row of the grid.
    #[arg(long, default_value_t = 10)]
    columns: usize,
    /// Show visible states, or their conditional means E[v|h] of the last sweep.
    #[arg(long, value_enum, default_value_t = Show::Means)]
    show: Show,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Show {
    Means,
    States,
}

#[derive(Args, Debug)]
struct LogzArgs {
    /// Model file (.npz).
    #[arg(long)]
    model: PathBuf,
    /// Method.
    #[arg(long, value_enum, default_value_t = LogZMethod::Exact)]
    method: LogZMethod,
    /// Dataset for the AIS base rates, reverse-AIS starts and mean-field starts (mnist,
    /// genome, file:PATH, ...). Without it: zero base biases; reverse AIS starts from exact
    /// samples (small models) or random chains.
    #[arg(long)]
    dataset: Option<String>,
    /// Data root (default: $RBMDYN_DATA, else ../shared/data).
    #[arg(long)]
    data: Option<PathBuf>,
    /// AIS temperature schedule: uniform:K, sm (Salakhutdinov–Murray, 14 500), sm:SCALE.
    #[arg(long, default_value = "sm")]
    schedule: String,
    /// Independent AIS runs.
    #[arg(long, default_value_t = 100)]
    runs: usize,
    /// Gibbs sweeps from the data before reverse AIS.
    #[arg(long, default_value_t = 1000)]
    burn_in: usize,
    /// Mean-field damping in [0, 1).
    #[arg(long, default_value_t = 0.5)]
    damping: f64,
    /// Mean-field iteration limit.
    #[arg(long, default_value_t = 2000)]
    max_iterations: usize,
    /// Mean-field tolerance on the max-norm residual of the fixed-point equations.
    #[arg(long, default_value_t = 1e-10)]
    tolerance: f64,
    /// Mean-field: data rows used as extra starting points (with --dataset).
    #[arg(long, default_value_t = 0)]
    data_starts: usize,
    /// Seed of the estimate's generator.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

#[derive(Args, Debug)]
struct ValidateArgs {
    /// Quick cases only (the default).
    #[arg(long, conflicts_with = "full")]
    quick: bool,
    /// All cases, including long runs on real data.
    #[arg(long)]
    full: bool,
    /// Run only this case (any level).
    #[arg(long)]
    case: Option<String>,
    /// Report directory (default validation/quick or validation/full).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Data root (default: $RBMDYN_DATA, else ../shared/data).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Base seed of the cases.
    #[arg(long, default_value_t = 2017)]
    seed: u64,
    /// No progress bars.
    #[arg(long)]
    quiet: bool,
}

#[derive(Args, Debug)]
struct IntegrateArgs {
    /// The toy model, with its parameters and the shared options.
    #[command(subcommand)]
    model: rbmdyn::studies::integrate::ToyModels,
}

#[derive(Args, Debug)]
struct SpectrumArgs {
    /// A run directory (with spectrum/) or a model file (.npz).
    input: PathBuf,
    /// Output directory for the figures and spectrum.json.
    #[arg(long)]
    out: PathBuf,
    /// Dataset for the overlaps and reconstructions (default: the run's; needed for a model
    /// file).
    #[arg(long)]
    dataset: Option<String>,
    /// Data root (default: the run's, else $RBMDYN_DATA, else ../shared/data).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Stopping signal: relative growth of the rank-plot cutoff per epoch below which training
    /// may stop.
    #[arg(long, default_value_t = rbmdyn::studies::spectrum::DEFAULT_STOP_THRESHOLD)]
    stop_threshold: f64,
    /// Relative margin above the fitted bulk edge for an outlier (default: the finite-size
    /// margin of the shape, from the Tracy–Widom scale).
    #[arg(long)]
    margin: Option<f64>,
}

#[derive(Args, Debug)]
struct BenchMeanfieldArgs {
    /// Shapes of the random models, NvxNh comma-separated.
    #[arg(long, default_value = "10x8,20x12,784x500")]
    sizes: String,
    /// Coupling strengths g, comma-separated: weights N(0, g²/Nv), so that g is comparable
    /// across sizes.
    #[arg(long, default_value = "0.0625,0.125,0.25,0.5,1,2,4")]
    couplings: String,
    /// Std of the random biases.
    #[arg(long, default_value_t = 0.1)]
    bias_std: f64,
    /// Seed (models, random starts and AIS chains use seeds derived from it).
    #[arg(long, default_value_t = 2017)]
    seed: u64,
    /// Output directory.
    #[arg(long, default_value = "runs/bench-meanfield")]
    out: PathBuf,
    /// Only the sizes with an exact reference (enumeration), and no AIS.
    #[arg(long)]
    quick: bool,
    /// Damping of the iterative solvers, in [0, 1).
    #[arg(long, default_value_t = 0.5)]
    damping: f64,
    /// Iteration limit of every solver.
    #[arg(long, default_value_t = 2000)]
    max_iterations: usize,
    /// Tolerance of the iterative solvers on the max-norm residual.
    #[arg(long, default_value_t = 1e-10)]
    tolerance: f64,
    /// Tolerance of L-BFGS (its residual floor is about 1e-8).
    #[arg(long, default_value_t = 1e-8)]
    lbfgs_tolerance: f64,
    /// Random starting points added to the neutral one (estimate: max of -F over converged
    /// starts).
    #[arg(long, default_value_t = 0)]
    starts: usize,
    /// AIS schedule of the references of large models: uniform:K, sm, sm:SCALE.
    #[arg(long, default_value = "uniform:2000")]
    ais_schedule: String,
    /// AIS chains.
    #[arg(long, default_value_t = 100)]
    ais_runs: usize,
    /// Largest g in the fits of the error exponents.
    #[arg(long, default_value_t = 0.5)]
    fit_max_coupling: f64,
    /// Model file to add (repeatable), e.g. a trained MNIST checkpoint.
    #[arg(long)]
    model: Vec<PathBuf>,
    /// Dataset for the AIS base rates of the model files (mnist, genome, file:PATH, ...).
    #[arg(long)]
    dataset: Option<String>,
    /// Data root (default: $RBMDYN_DATA, else ../shared/data).
    #[arg(long)]
    data: Option<PathBuf>,
}

fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let result = match cli.command {
        Command::Train(a) => match matches.subcommand_matches("train") {
            Some(m) => cmd_train(*a, m),
            None => unreachable!("the train subcommand has its matches"),
        },
        Command::Sample(a) => cmd_sample(a),
        Command::Logz(a) => cmd_logz(a),
        Command::Spectrum(a) => cmd_spectrum(a),
        Command::Integrate(a) => cmd_integrate(a),
        Command::Validate(a) => cmd_validate(a),
        Command::BenchMeanfield(a) => cmd_bench_meanfield(a),
        Command::Scale(a) => cmd_scale(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn cmd_train(a: TrainArgs, m: &ArgMatches) -> Result<ExitCode> {
    let config_file = match (&a.config, a.resume, &a.out) {
        (Some(path), _, _) => Some(path.clone()),
        (None, true, Some(out)) => Some(RunDir::new(out).config_toml()),
        (None, true, None) => {
            return Err(Error::invalid("--resume", "", "needs --out RUN_DIR"));
        }
        _ => None,
    };
    // The file, then the flags given on the command line (a flag left at its default does
    // not override the file).
    let c = match &config_file {
        Some(path) => {
            let mut c = TrainConfig::from_toml_file(path)?;
            c.update_from_command_line(m)?;
            c
        }
        None => a.run.clone(),
    };
    let command = Cli::command();
    let train_command = command
        .find_subcommand("train")
        .expect("the train subcommand exists");
    let c = c.check().map_err(|e| name_flags(e, train_command, m))?;
    let out = a.out.clone().unwrap_or_else(|| {
        let name: String = c
            .data
            .dataset
            .to_string()
            .chars()
            .map(|ch| if ch.is_ascii_alphanumeric() { ch } else { '-' })
            .collect();
        PathBuf::from("runs").join(format!(
            "{name}-{}-h{}-s{}",
            c.estimator.kind(),
            c.model.hidden,
            c.seed
        ))
    });
    if !a.resume && RunDir::new(&out).checkpoint().exists() {
        return Err(Error::invalid(
            "--out",
            out.display(),
            "already holds a run (checkpoint.npz); use --resume to continue it or choose another --out",
        ));
    }
    eprintln!("training into {}", out.display());
    let summary = train(
        &c,
        &out,
        &RunOptions {
            progress: !a.quiet,
            resume: a.resume,
        },
    )?;
    if let Some(last) = summary.metrics.last() {
        eprintln!(
            "done: {} epochs, reconstruction error {:.5}; model in {}",
            last.epoch,
            last.reconstruction_error,
            RunDir::new(&out).model().display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn parse_shape(s: &str) -> Result<(usize, usize)> {
    let bad = || Error::invalid("--image-shape", s, "expected ROWSxCOLS, e.g. 28x28");
    let (r, c) = s.split_once('x').ok_or_else(bad)?;
    Ok((
        r.trim().parse().map_err(|_| bad())?,
        c.trim().parse().map_err(|_| bad())?,
    ))
}

fn cmd_sample(a: SampleArgs) -> Result<ExitCode> {
    let rbm = load_model(&a.model)?;
    if a.n == 0 {
        return Err(Error::invalid("--n", 0, "must be at least 1"));
    }
    let nv = rbm.n_visible();
    let shape = match &a.image_shape {
        Some(s) => Some(parse_shape(s)?),
        None => match nv {
            784 => Some((28, 28)),
            64 => Some((8, 8)),
            _ => None,
        },
    };
    if let Some((r, c)) = shape {
        if r * c != nv {
            return Err(Error::invalid(
                "--image-shape",
                format!("{r}x{c}"),
                format!("{} pixels but the model has {nv} visible units", r * c),
            ));
        }
    }
    let mut rng = rand::rngs::StdRng::seed_from_u64(a.seed);
    let mut chains = ChainState::random(&rbm, a.n, &mut rng);
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_message(format!("{} sweeps of {} chains", a.sweeps, a.n));
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    let means = run_chains(&rbm, &mut chains, a.sweeps, &mut rng)?;
    bar.finish_and_clear();
    let shown = match a.show {
        Show::Means => means,
        Show::States => chains.visible.clone(),
    };
    match shape {
        Some(shape) => {
            // Ising states/means lie in [-1, 1]: map to [0, 1] for display.
            let ising = rbm.visible().discrete_states() == Some([-1.0, 1.0]);
            let images: Vec<Vec<f64>> = shown
                .row_iter()
                .map(|r| {
                    r.iter()
                        .map(|&x| if ising { (x + 1.0) / 2.0 } else { x })
                        .collect()
                })
                .collect();
            rbmdyn::report::chart::ImageGrid::new(&images, shape)
                .columns(a.columns)
                .scale(3)
                .write(&a.out)?;
        }
        None => {
            let mut text = String::new();
            for r in shown.row_iter() {
                let line: Vec<String> = r.iter().map(|x| format!("{x}")).collect();
                text += &line.join(" ");
                text.push('\n');
            }
            write_atomic(&a.out, text.as_bytes())?;
        }
    }
    eprintln!("wrote {} samples to {}", a.n, a.out.display());
    Ok(ExitCode::SUCCESS)
}

/// The dataset `spelling` (if any) encoded for the model's visible units ({0,1} or ±1), read
/// from `root` (else `RBMDYN_DATA`, else `../shared/data`).
fn data_for_model(
    rbm: &rbmdyn::rbm::AnyRbm<f64>,
    spelling: Option<&str>,
    root: Option<&Path>,
) -> Result<Option<nalgebra::DMatrix<f64>>> {
    let Some(spelling) = spelling else {
        return Ok(None);
    };
    let choice = rbmdyn::data::DatasetChoice::parse(spelling)?;
    let encoding = match rbm.visible() {
        rbmdyn::units::AnyUnit::Ising => rbmdyn::data::Encoding::Ising,
        _ => rbmdyn::data::Encoding::Binary,
    };
    let root = root
        .map(Path::to_path_buf)
        .or_else(|| rbmdyn::data::data_root(None));
    Ok(Some(
        rbmdyn::data::load(&choice, root.as_deref(), 0.5, encoding)?.samples,
    ))
}

fn cmd_logz(a: LogzArgs) -> Result<ExitCode> {
    use rbmdyn::likelihood::{estimate_log_z, LogZOptions};
    let rbm = load_model(&a.model)?;
    let method = a.method;
    let data = data_for_model(&rbm, a.dataset.as_deref(), a.data.as_deref())?;
    let options = LogZOptions {
        schedule: rbmdyn::likelihood::ais::BetaSchedule::parse(&a.schedule)?,
        runs: a.runs,
        data,
        burn_in: a.burn_in,
        damping: a.damping,
        max_iterations: a.max_iterations,
        tolerance: a.tolerance,
        data_starts: a.data_starts,
    };
    let mut rng = rand::rngs::StdRng::seed_from_u64(a.seed);
    let report = estimate_log_z(&rbm, method, &options, &mut rng)?;
    let mut out =
        serde_json::to_value(&report).map_err(|e| Error::invalid("report", "", e.to_string()))?;
    if let Some(map) = out.as_object_mut() {
        map.insert("model".into(), a.model.display().to_string().into());
        map.insert("n_visible".into(), rbm.n_visible().into());
        map.insert("n_hidden".into(), rbm.n_hidden().into());
        if let Some(d) = &a.dataset {
            map.insert("dataset".into(), d.clone().into());
        }
        if method == LogZMethod::Exact {
            let layer = rbmdyn::sampling::exact::choose_layer(&rbm)?;
            map.insert(
                "enumerated_layer".into(),
                format!("{layer:?}").to_lowercase().into(),
            );
        }
    }
    println!("{out}");
    Ok(ExitCode::SUCCESS)
}

fn cmd_validate(a: ValidateArgs) -> Result<ExitCode> {
    let level = if a.full { Level::Full } else { Level::Quick };
    let out = a
        .out
        .clone()
        .unwrap_or_else(|| Path::new("validation").join(if a.full { "full" } else { "quick" }));
    let data_root = rbmdyn::data::data_root(a.data.as_deref());
    match &data_root {
        Some(r) => eprintln!("[validate] data root: {}", r.display()),
        None => eprintln!(
            "[validate] no data root found (--data, RBMDYN_DATA, ../shared/data): data-dependent cases are skipped"
        ),
    }
    let mut ctx = ValidationContext {
        out_dir: out.clone(),
        data_root: data_root.clone(),
        level,
        seed: a.seed,
        progress: !a.quiet,
    };
    let records = validation::run_cases(&mut ctx, a.case.as_deref())?;
    let header = format!(
        "Level: **{}**{}. Base seed {}. Data root: {}. Produced by `rbmdyn validate` {}.",
        if a.full { "full" } else { "quick" },
        a.case
            .as_deref()
            .map(|c| format!(" (case {c} only)"))
            .unwrap_or_default(),
        a.seed,
        data_root
            .map(|r| r.display().to_string())
            .unwrap_or_else(|| "none".into()),
        env!("CARGO_PKG_VERSION"),
    );
    validation::report::write_report(&out, &records, &header)?;
    let t = validation::report::tally(&records);
    eprintln!(
        "[validate] {} passed, {} failed, {} inconclusive; report in {}",
        t.pass,
        t.fail,
        t.inconclusive,
        out.join("report.md").display()
    );
    Ok(if t.fail == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Parses a comma-separated list with `item`, naming `flag` in errors.
fn parse_list<T>(
    text: &str,
    flag: &'static str,
    item: impl Fn(&str) -> Option<T>,
    expected: &str,
) -> Result<Vec<T>> {
    text.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| item(t).ok_or_else(|| Error::invalid(flag, format!("'{t}'"), expected)))
        .collect()
}

fn cmd_scale(a: ScaleArgs) -> Result<ExitCode> {
    use rbmdyn::studies::sweep::report::analyse_sweep;
    use rbmdyn::studies::sweep::{run_sweep, SweepConfig, SweepOptions};
    let mut config = SweepConfig::from_toml_file(&a.config)?;
    if let Some(j) = a.jobs {
        config.jobs = j;
    }
    let options = SweepOptions { progress: !a.quiet };
    let results = run_sweep(&config, &a.out, &options)?;
    let summary = analyse_sweep(&config, &results, &a.out)?;
    println!("{}", summary.markdown());
    eprintln!(
        "scale: {} points; table.csv, summary.json and figures/ in {}",
        results.len(),
        a.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn cmd_integrate(a: IntegrateArgs) -> Result<ExitCode> {
    let s = a.model.run()?;
    eprintln!(
        "{}: {} points to t = {}; theory {:?}; files in {}",
        s.model,
        s.trajectory.times.len(),
        s.trajectory.times.last().copied().unwrap_or(0.0),
        s.theory,
        a.model.out().display()
    );
    Ok(ExitCode::SUCCESS)
}

fn cmd_spectrum(a: SpectrumArgs) -> Result<ExitCode> {
    use rbmdyn::spectral::FitOptions;
    use rbmdyn::studies::spectrum::{spectrum_report, SpectrumOptions};
    if !(a.stop_threshold.is_finite() && a.stop_threshold > 0.0) {
        return Err(Error::invalid(
            "--stop-threshold",
            a.stop_threshold,
            "must be positive",
        ));
    }
    let options = SpectrumOptions {
        dataset: a.dataset.clone(),
        data: a.data.clone(),
        stop_threshold: a.stop_threshold,
        fit: FitOptions {
            margin: a.margin,
            ..FitOptions::default()
        },
        ..SpectrumOptions::default()
    };
    let s = spectrum_report(&a.input, &a.out, &options)?;
    let last = s.points.last();
    eprintln!(
        "{}: {} saves, W {}x{}",
        s.input,
        s.points.len(),
        s.shape.0,
        s.shape.1
    );
    if let Some(p) = last {
        eprintln!(
            "at epoch {:.3}: {} outliers, fitted bulk edge {:.4}, cutoff {}, T_eff {:.3}",
            p.epoch,
            p.outliers,
            p.bulk_upper_edge,
            p.cutoff.map_or("none".to_string(), |c| c.rank.to_string()),
            p.t_eff
        );
    }
    match s.stopping.stop_epoch {
        Some(e) => eprintln!(
            "stopping signal: the cutoff grows by less than {:.1}% per epoch from epoch {e:.2} on",
            100.0 * s.stopping.threshold
        ),
        None => eprintln!(
            "stopping signal: not reached (cutoff still grows by ≥ {:.1}% per epoch)",
            100.0 * s.stopping.threshold
        ),
    }
    if let Some(why) = &s.data_skipped {
        eprintln!("data-dependent analyses skipped: {why}");
    }
    eprintln!(
        "wrote {} figures and spectrum.json to {}",
        s.figures.len(),
        a.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn cmd_bench_meanfield(a: BenchMeanfieldArgs) -> Result<ExitCode> {
    use rbmdyn::studies::bench_meanfield::{
        render_markdown, BenchSettings, FileModel, MeanFieldBench,
    };
    let sizes = parse_list(
        &a.sizes,
        "--sizes",
        |t| {
            let (nv, nh) = t.split_once('x')?;
            Some((nv.trim().parse().ok()?, nh.trim().parse().ok()?))
        },
        "expected NvxNh, e.g. 10x8,20x12,784x500",
    )?;
    let couplings = parse_list(
        &a.couplings,
        "--couplings",
        |t| t.parse::<f64>().ok(),
        "expected numbers, e.g. 0.25,0.5,1,2,4",
    )?;
    let rename = |flag: &'static str| {
        move |e: Error| match e {
            Error::InvalidParameter { value, reason, .. } => Error::invalid(flag, value, reason),
            other => other,
        }
    };
    let bench = MeanFieldBench::new(BenchSettings {
        sizes,
        couplings,
        bias_std: a.bias_std,
        damping: a.damping,
        max_iterations: a.max_iterations,
        tolerance: a.tolerance,
        lbfgs_tolerance: a.lbfgs_tolerance,
        random_starts: a.starts,
        ais_schedule: a.ais_schedule.clone(),
        ais_runs: a.ais_runs,
        fit_max_coupling: a.fit_max_coupling,
        quick: a.quick,
        seed: a.seed,
        ..BenchSettings::default()
    })
    .map_err(|e| match &e {
        Error::InvalidParameter { name, .. } => {
            let flag = match *name {
                "sizes" => "--sizes",
                "couplings" => "--couplings",
                "bias_std" => "--bias-std",
                "damping" => "--damping",
                "max_iterations" => "--max-iterations",
                "tolerance" => "--tolerance",
                "lbfgs_tolerance" => "--lbfgs-tolerance",
                "ais_schedule" => "--ais-schedule",
                "ais_runs" => "--ais-runs",
                "fit_max_coupling" => "--fit-max-coupling",
                _ => return e,
            };
            rename(flag)(e)
        }
        _ => e,
    })?;
    let mut files = Vec::new();
    for path in &a.model {
        let rbm = load_model(path)?;
        let data = data_for_model(&rbm, a.dataset.as_deref(), a.data.as_deref())?;
        files.push(FileModel {
            name: path.display().to_string(),
            rbm,
            data,
        });
    }
    let report = bench.run(&files, &mut |line| eprintln!("{line}"))?;
    let markdown = render_markdown(&report);
    let json = serde_json::to_string_pretty(&report)
        .map_err(|e| Error::invalid("report", "", e.to_string()))?;
    std::fs::create_dir_all(&a.out).map_err(|e| Error::io(&a.out, e))?;
    write_atomic(&a.out.join("bench-meanfield.md"), markdown.as_bytes())?;
    write_atomic(&a.out.join("bench-meanfield.json"), json.as_bytes())?;
    println!("{markdown}");
    eprintln!(
        "[bench-meanfield] wrote {} and {} ({:.1} s)",
        a.out.join("bench-meanfield.md").display(),
        a.out.join("bench-meanfield.json").display(),
        report.seconds
    );
    Ok(ExitCode::SUCCESS)
}
