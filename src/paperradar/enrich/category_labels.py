"""Short English descriptions of the arXiv classes the category enricher knows.

Zero-shot prediction embeds these descriptions and compares each paper's
vector with them, so each one names the class and the words its papers use.
Classes outside this table can still be learnt by the linear probe from
labelled papers; a rare class folds into its archive (``math.CT`` -> ``math``).
"""

from __future__ import annotations

#: arXiv class -> what its papers are about (name first, then typical topics).
LABEL_DESCRIPTIONS: dict[str, str] = {
    # computer science
    "cs.AI": "Artificial Intelligence: reasoning, planning, knowledge representation, agents, "
             "large language model agents, logic and search.",
    "cs.CL": "Computation and Language: natural language processing, language models, text, "
             "machine translation, question answering, speech and dialogue.",
    "cs.CV": "Computer Vision and Pattern Recognition: images, video, cameras, object "
             "detection, image segmentation, point clouds, 3D scenes, image generation, "
             "visual recognition.",
    "cs.LG": "Machine Learning: neural network training, deep learning theory, optimization "
             "of models, reinforcement learning, representation learning, generalization.",
    "cs.RO": "Robotics: robot manipulation, locomotion, motion planning, control of robots, "
             "autonomous navigation, grasping, drones.",
    "cs.IR": "Information Retrieval: search engines, ranking, recommender systems, "
             "retrieval of documents, user clicks.",
    "cs.CR": "Cryptography and Security: attacks, privacy, encryption, malware, "
             "vulnerabilities, adversarial security, authentication.",
    "cs.NE": "Neural and Evolutionary Computing: evolutionary algorithms, genetic algorithms, "
             "spiking neural networks, neuromorphic computing.",
    "cs.HC": "Human-Computer Interaction: user studies, interfaces, usability, visualization, "
             "participants, interaction design.",
    "cs.SD": "Sound: audio signal processing, music, sound generation, acoustic events.",
    "cs.SE": "Software Engineering: source code, programs, bugs, testing, developers, "
             "software maintenance, code generation tools.",
    "cs.DC": "Distributed, Parallel, and Cluster Computing: GPUs, clusters, cloud, "
             "scheduling, parallel training systems, federated systems.",
    "cs.DB": "Databases: query processing, data management, SQL, transactions, indexing.",
    "cs.DS": "Data Structures and Algorithms: algorithm design, complexity bounds, graphs, "
             "approximation algorithms, sorting.",
    "cs.GR": "Graphics: rendering, meshes, animation, geometry processing, computer graphics.",
    "cs.GT": "Computer Science and Game Theory: mechanism design, auctions, equilibria, "
             "social choice.",
    "cs.IT": "Information Theory: channel capacity, coding theory, communication, "
             "wireless transmission, entropy.",
    "cs.MA": "Multiagent Systems: multiple agents, cooperation, negotiation, multi-agent "
             "coordination.",
    "cs.NI": "Networking and Internet Architecture: wireless networks, protocols, 5G, "
             "routing, network traffic.",
    "cs.PL": "Programming Languages: type systems, compilers, semantics, program analysis.",
    "cs.SI": "Social and Information Networks: social networks, graphs of users, "
             "community detection, information diffusion.",
    "cs.CY": "Computers and Society: ethics, fairness, education, policy, societal impact "
             "of technology.",
    "cs.AR": "Hardware Architecture: processors, accelerators, memory systems, chips, FPGA.",
    "cs.LO": "Logic in Computer Science: formal verification, model checking, proofs, "
             "temporal logic.",
    "cs.CE": "Computational Engineering, Finance, and Science: simulation, numerical "
             "engineering models, scientific computing applications.",
    "cs.DL": "Digital Libraries: scholarly publications, citations, bibliometrics, archives.",
    "cs.CC": "Computational Complexity: complexity classes, hardness, lower bounds, NP.",
    "cs.CG": "Computational Geometry: algorithms on convex hulls, Voronoi diagrams, "
             "triangulations, arrangements of polygons.",
    "cs.DM": "Discrete Mathematics: combinatorics, graph theory for computer science.",
    "cs.FL": "Formal Languages and Automata Theory: automata, grammars, regular languages.",
    "cs.MM": "Multimedia: audio-visual content, video streaming, multimedia retrieval.",
    # electrical engineering
    "eess.AS": "Audio and Speech Processing: speech recognition, speech synthesis, "
               "text-to-speech, speaker verification, audio.",
    "eess.IV": "Image and Video Processing: medical imaging, MRI, CT, image denoising, "
               "compression, image restoration.",
    "eess.SP": "Signal Processing: signals, radar, sensors, estimation, filtering, "
               "wireless channels, EEG.",
    "eess.SY": "Systems and Control: control systems, controllers, power systems, "
               "stability, feedback, dynamical systems.",
    # statistics and mathematics
    "stat.ML": "Statistics - Machine Learning: statistical learning theory, Bayesian "
               "inference, kernels, Gaussian processes, causal inference.",
    "stat.ME": "Statistics - Methodology: statistical methods, estimators, regression, "
               "hypothesis tests, survey data, clinical trials.",
    "stat.AP": "Statistics - Applications: applied statistical analysis of real data.",
    "math.OC": "Optimization and Control: convex optimization, optimal control, "
               "gradient methods, convergence rates.",
    "math.ST": "Statistics Theory: asymptotic theory, minimax rates, estimators, "
               "mathematical statistics.",
    "math.PR": "Probability: random processes, stochastic processes, Brownian motion, "
               "random walks, limit theorems.",
    "math.NA": "Numerical Analysis: numerical methods, finite elements, discretization, "
               "error estimates for PDEs.",
    "math": "Mathematics: we prove theorems and lemmas on algebraic varieties, groups, "
            "rings, manifolds, operators, number fields, topology and analysis.",
    # physics and other sciences
    "quant-ph": "Quantum Physics: quantum computing, qubits, entanglement, quantum circuits.",
    "physics": "Physics: optics, fluid dynamics, plasma, applied physics, lasers.",
    "cond-mat": "Condensed Matter: materials, electrons in solids, superconductivity, "
                "phase transitions, crystals.",
    "astro-ph": "Astrophysics: galaxies, stars, cosmology, telescopes, black holes.",
    "hep-th": "High Energy Physics - Theory: string theory, quantum field theory, gauge "
              "theories, holography.",
    "hep-ph": "High Energy Physics - Phenomenology: particles, colliders, neutrinos, "
              "standard model, dark matter.",
    "gr-qc": "General Relativity and Quantum Cosmology: gravitation, gravitational waves, "
             "spacetime.",
    "q-bio": "Quantitative Biology: proteins, genes, cells, neuroscience, biology, "
             "molecules, evolution.",
    "q-fin": "Quantitative Finance: stock markets, portfolios, trading, risk, pricing.",
    "econ": "Economics: markets, econometrics, economic policy, firms.",
}

#: Archives whose subject classes are pooled when any is too rare to learn.
_OWN_ARCHIVE = {"cs", "math", "stat", "eess", "physics", "q-bio", "q-fin", "econ",
                "astro-ph", "cond-mat", "nlin"}


def archive_of(category: str) -> str:
    """The archive an arXiv class belongs to: ``math.AG`` -> ``math``,
    ``cond-mat.str-el`` -> ``cond-mat``, ``hep-th`` -> ``hep-th``."""
    head = category.split(".", 1)[0]
    return head if head in _OWN_ARCHIVE or "." in category else category


def zero_shot_label(category: str) -> str | None:
    """The label in ``LABEL_DESCRIPTIONS`` a known category counts as (itself or
    its archive), or None when zero-shot cannot name it."""
    if category in LABEL_DESCRIPTIONS:
        return category
    archive = archive_of(category)
    return archive if archive in LABEL_DESCRIPTIONS else None


def description_text(category: str) -> str:
    """The text embedded for a class in zero-shot prediction."""
    return LABEL_DESCRIPTIONS[category]
