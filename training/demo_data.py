"""The texts, people and schedule of the demo catalogue loaded by `flask seed-demo`.

Plain data only; `training.demo` turns it into rows. Session dates are relative to the
day the command runs, so the demo always has past, running and future sessions.
"""

from __future__ import annotations

from typing import NotRequired, TypedDict


class CourseSpec(TypedDict):
    """A demo course: the `Course` fields as text, then the demo's place key and trainer keys."""

    slug: str
    title: str
    track: str
    level: str
    language: str
    format: str
    hours: str
    price: str
    place: str
    trainers: list[str]
    summary: str
    objectives: str
    prerequisites: str
    audience: str
    teaching_methods: str
    assessment: str
    what_to_bring: NotRequired[str]
    status: NotRequired[str]


# One shared password per role, printed by the command: demo accounts only.
PASSWORDS = {"admin": "demo-admin-2026", "trainer": "demo-trainer-2026", "learner": "demo-learner-2026"}

ADMIN = ("Nathalie Roux", "admin@genother.example", "GenoTher — service formation", "employee", "fr")

# key: (name, email, organisation, category, locale)
TRAINERS = {
    "moreau": ("Dr Claire Moreau", "claire.moreau@genethon.example", "Genethon", "employee", "fr"),
    "lefevre": ("Julien Lefèvre", "julien.lefevre@yposkesi.example", "Yposkesi", "employee", "fr"),
    "benali": ("Dr Amina Benali", "amina.benali@inserm.example", "Inserm", "employee", "fr"),
    "girard": ("Sophie Girard", "sophie.girard@genopole.example", "Genopole", "employee", "fr"),
}

UNIV = "Université d'Evry Paris-Saclay"

# (name, email, organisation, category, locale)
LEARNERS = [
    ("Léa Martin", "lea.martin@genethon.example", "Genethon", "employee", "fr"),
    ("Thomas Bernard", "thomas.bernard@yposkesi.example", "Yposkesi", "employee", "fr"),
    ("Camille Dubois", "camille.dubois@yposkesi.example", "Yposkesi", "employee", "fr"),
    ("Hugo Petit", "hugo.petit@aphp.example", "AP-HP — Hôpital Necker-Enfants malades", "employee", "fr"),
    ("Manon Robert", "manon.robert@aphp.example", "AP-HP — Hôpital Robert-Debré", "employee", "fr"),
    ("Nicolas Richard", "nicolas.richard@inserm.example", "Inserm", "employee", "fr"),
    ("Chloé Durand", "chloe.durand@univ-evry.example", f"{UNIV} — Master Biologie-Santé", "student", "fr"),
    ("Antoine Leroy", "antoine.leroy@univ-evry.example", f"{UNIV} — doctorant", "student", "fr"),
    ("Emma Wilson", "emma.wilson@sparktx.example", "Spark Therapeutics", "employee", "en"),
    ("Daniel Kim", "daniel.kim@sparktx.example", "Spark Therapeutics", "employee", "en"),
    ("Sarah O'Connor", "sarah.oconnor@sparktx.example", "Spark Therapeutics", "employee", "en"),
    ("Inès Haddad", "ines.haddad@genethon.example", "Genethon", "employee", "fr"),
    ("Maxime Fournier", "maxime.fournier@genopole.example", "Genopole", "employee", "fr"),
    ("Julie Lambert", "julie.lambert@capsidia.example", "Capsidia Therapeutics (start-up)", "employee", "fr"),
    ("Marco Rossi", "marco.rossi@capsidia.example", "Capsidia Therapeutics (start-up)", "employee", "en"),
    ("Priya Natarajan", "priya.natarajan@lumagene.example", "Lumagene (start-up)", "employee", "en"),
    ("Raphaël Morel", "raphael.morel@lumagene.example", "Lumagene (start-up), cofondateur", "other", "fr"),
    ("Élodie Garnier", "elodie.garnier@mail.example", "", "job_seeker", "fr"),
    ("Karim Mansouri", "karim.mansouri@mail.example", "", "job_seeker", "fr"),
    ("Sophie Chevalier", "sophie.chevalier@mail.example", "Consultante indépendante", "self_funded", "fr"),
    ("Lucas Faure", "lucas.faure@univ-evry.example", f"{UNIV} — Master Biotechnologies", "student", "fr"),
    ("Anna Schmidt", "anna.schmidt@univ-evry.example", f"{UNIV} — Erasmus", "student", "en"),
    ("Pierre Rousseau", "pierre.rousseau@inserm.example", "Inserm", "employee", "fr"),
    ("Claire Blanc", "claire.blanc@yposkesi.example", "Yposkesi", "employee", "fr"),
    ("Mehdi Benhamou", "mehdi.benhamou@novaxon.example", "Novaxon Bio (start-up), fondateur", "other", "fr"),
    ("Laura Mercier", "laura.mercier@aphp.example", "AP-HP — Hôpital Saint-Louis", "employee", "fr"),
    ("James Taylor", "james.taylor@mail.example", "Independent consultant", "self_funded", "en"),
    ("Aurélie Fontaine", "aurelie.fontaine@genethon.example", "Genethon", "employee", "fr"),
    ("Olivier Masson", "olivier.masson@yposkesi.example", "Yposkesi", "employee", "fr"),
    ("Yasmine Cherif", "yasmine.cherif@mail.example", "", "job_seeker", "fr"),
    ("Benoît Lemaire", "benoit.lemaire@novaxon.example", "Novaxon Bio (start-up)", "employee", "fr"),
    ("Ngozi Okafor", "ngozi.okafor@lumagene.example", "Lumagene (start-up)", "employee", "en"),
]

PLACES = {
    "room": "Genopole Campus 1, Evry — salle de formation",
    "lab": "Genopole Campus 1, Evry — laboratoire de travaux pratiques L2",
    "cleanroom": "Salle blanche pédagogique, Genethon, Evry",
    "process": "Yposkesi, Corbeil-Essonnes — plateforme de formation procédés",
    "university": f"{UNIV} — bâtiment Maupertuis, salle 210",
    "zoom": "En ligne (Zoom)",
    "hybrid": "Genopole Campus 1, Evry — salle de formation, et en ligne (Zoom)",
}

CONTACT = "formation@genother.example"

ACCESSIBILITY = {
    "fr": "Formation accessible aux personnes en situation de handicap. Contactez notre référent "
    "handicap (referent.handicap@genother.example) au moins deux semaines avant la session pour "
    "étudier ensemble les adaptations utiles : accès de plain-pied, supports adaptés, rythme, "
    "aménagement des travaux pratiques.",
    "en": "This course is open to people with disabilities. Please contact our disability officer "
    "(référent handicap, referent.handicap@genother.example) at least two weeks before the session "
    "so that we can plan the adjustments you need: step-free access, adapted materials, pace, "
    "adapted practical work.",
}

ACCESS_DELAY = {
    "fr": "Inscription jusqu'à 7 jours avant le début de la session, dans la limite des places disponibles",
    "en": "Registration open until 7 days before the session starts, subject to availability",
}

CANCELLATION_REASON = {
    "fr": "Salle blanche pédagogique indisponible (requalification annuelle de la zone). "
    "Les inscrits sont prioritaires sur la session suivante.",
    "en": "Too few participants to run the practical work; registrants have priority on the next session.",
}

REJECTION_REASON = {
    "fr": "Prérequis non remplis : une pratique régulière de la culture cellulaire et de la biologie "
    "moléculaire est nécessaire. Nous vous conseillons de suivre d'abord « Introduction à la "
    "thérapie génique pour les non-spécialistes ».",
    "en": "Prerequisites not met: hands-on experience of cell culture and molecular biology is required.",
}

MARK_NOTES = {
    "excused": {"fr": "Absence justifiée (certificat médical)", "en": "Excused absence (medical certificate)"},
    "late": {"fr": "Retard signalé (RER D)", "en": "Late arrival (train delay)"},
}

SURVEY_COMMENTS = {
    "fr": [
        "Très bon équilibre entre théorie et pratique, les travaux pratiques étaient particulièrement utiles.",
        "Formateurs disponibles et passionnés. J'aurais aimé un peu plus de temps sur les études de cas.",
        "Contenu dense mais très clair ; les supports sont excellents.",
        "La salle était un peu petite pour le nombre de participants.",
        "Exactement ce dont j'avais besoin avant ma prise de poste en production.",
    ],
    "en": [
        "Great mix of lectures and hands-on work; the trainers clearly know the field.",
        "Very useful case studies. The second day was a bit rushed.",
        "Clear, practical and directly applicable to my projects.",
        "I would have liked the slides a few days in advance.",
    ],
}

# The schedule: (course slug, when, capacity, kind). `when` is (weeks from this week, weekday
# 0-4), "running" (from the weekday before today: give it a three-day course so it is running
# whatever the time of day) or "next_month" (mid next calendar month).
# kind: "open" (enrolments as usual), "full" (full with a waitlist), "approval" (pending
# requests), "cancelled" (cancelled by the training office).
SESSIONS = [
    ("annexe-1-bpf-plan-conformite", (-26, 2), 16, "open"),
    ("annexe-1-bpf-plan-conformite", (-25, 3), 16, "open"),
    ("therapie-genique-vecteurs-aav", (-24, 0), 12, "open"),
    ("production-gmp-vecteurs-viraux", (-22, 1), 10, "open"),
    ("acces-marche-mti", (-21, 2), 12, "open"),
    ("lentiviral-vector-design", (-20, 1), 10, "open"),
    ("creer-startup-biotech", (-19, 2), 14, "open"),
    ("introduction-therapie-genique", (-18, 4), 16, "open"),
    ("upstream-processing-aav", (-17, 0), 8, "open"),
    ("regulatory-strategy-atmp", (-16, 1), 14, "open"),
    ("edition-genome-crispr", (-15, 0), 10, "open"),
    ("aseptic-technique-cleanroom", (-14, 3), 6, "open"),
    ("purification-aval-aav", (-13, 1), 8, "open"),
    ("data-integrity-gmp", (-12, 1), 16, "open"),
    ("rna-therapeutics-fundamentals", (-12, 3), 16, "open"),
    ("habillage-zone-atmosphere-controlee", (-11, 4), 8, "open"),
    ("therapie-genique-vecteurs-aav", (-10, 1), 12, "open"),
    ("controle-qualite-vecteurs", (-9, 2), 12, "open"),
    ("production-gmp-vecteurs-viraux", (-8, 1), 10, "open"),
    ("levee-de-fonds-biotech", (-7, 3), 14, "open"),
    ("immunogenicite-aav", (-6, 1), 12, "open"),
    ("ip-licensing-gene-therapy", (-5, 1), 16, "open"),
    ("introduction-therapie-genique", (-4, 2), 16, "open"),
    ("aseptic-technique-cleanroom", (-3, 3), 6, "open"),
    ("habillage-zone-atmosphere-controlee", (-2, 1), 8, "open"),
    ("upstream-processing-aav", "running", 8, "open"),
    ("aseptic-technique-cleanroom", (2, 2), 6, "open"),
    ("introduction-therapie-genique", (2, 4), 16, "open"),
    ("lentiviral-vector-design", (3, 1), 10, "full"),
    ("creer-startup-biotech", (4, 1), 14, "open"),
    ("rna-therapeutics-fundamentals", (4, 3), 16, "open"),
    ("purification-aval-aav", (5, 1), 8, "cancelled"),
    ("therapie-genique-vecteurs-aav", (6, 0), 12, "open"),
    ("habillage-zone-atmosphere-controlee", (6, 3), 8, "open"),
    ("acces-marche-mti", (7, 2), 12, "open"),
    ("regulatory-strategy-atmp", (8, 0), 14, "open"),
    ("controle-qualite-vecteurs", (8, 2), 12, "open"),
    ("edition-genome-crispr", (9, 0), 10, "approval"),
    ("data-integrity-gmp", (9, 3), 16, "open"),
    ("purification-aval-aav", (10, 1), 8, "open"),
    ("levee-de-fonds-biotech", (10, 3), 14, "open"),
    ("upstream-processing-aav", (11, 0), 8, "open"),
    ("immunogenicite-aav", (12, 1), 12, "open"),
    ("production-gmp-vecteurs-viraux", "next_month", 10, "open"),
    ("production-gmp-vecteurs-viraux", (14, 1), 10, "open"),
    ("ip-licensing-gene-therapy", (15, 2), 16, "open"),
]

# Every course: the Qualiopi programme fields, in the course's language, plus the demo's
# place, trainers (preferred first) and what learners should bring.
COURSES: list[CourseSpec] = [
    {
        "slug": "therapie-genique-vecteurs-aav",
        "title": "Thérapie génique : conception de vecteurs AAV",
        "track": "research",
        "level": "intermediate",
        "language": "fr",
        "format": "in_person",
        "hours": "21",
        "price": "1450.00",
        "place": "lab",
        "trainers": ["moreau", "benali"],
        "summary": "Trois jours pour concevoir un vecteur AAV adapté à une indication : choix du sérotype "
        "et de la capside, conception de la cassette d'expression (promoteur, séquences régulatrices, "
        "taille d'encapsidation), production à petite échelle et premiers contrôles. Cours théoriques "
        "et travaux pratiques en laboratoire L2.",
        "objectives": "Choisir un sérotype ou une capside AAV selon le tissu cible et la voie d'administration\n"
        "Concevoir une cassette d'expression respectant la limite d'encapsidation d'environ 4,7 kb\n"
        "Comparer les vecteurs simple brin et auto-complémentaires (scAAV)\n"
        "Produire un lot d'AAV de recherche par triple transfection et en estimer le titre par qPCR\n"
        "Repérer les points critiques d'un vecteur en vue de son transfert vers la production GMP",
        "prerequisites": "Bases de biologie moléculaire (clonage, PCR) et pratique de la culture cellulaire. "
        "Un questionnaire de positionnement est envoyé avant la session.",
        "audience": "Chercheurs, ingénieurs et techniciens des équipes académiques et industrielles ; "
        "doctorants en thérapie génique.",
        "teaching_methods": "Apports théoriques (40 %), études de cas tirées de programmes précliniques, "
        "travaux pratiques en laboratoire L2 en binômes, supports remis au format PDF.",
        "assessment": "Questionnaire de positionnement en amont, QCM de validation des acquis en fin de "
        "formation, évaluation pratique pendant les TP. Questionnaire de satisfaction à chaud.",
        "what_to_bring": "Blouse de laboratoire et lunettes de protection (prêt possible sur place).",
    },
    {
        "slug": "lentiviral-vector-design",
        "title": "Lentiviral vector design for ex vivo gene therapy",
        "track": "research",
        "level": "intermediate",
        "language": "en",
        "format": "in_person",
        "hours": "14",
        "price": "1100.00",
        "place": "lab",
        "trainers": ["moreau", "benali"],
        "summary": "Two days on third-generation self-inactivating lentiviral vectors for the ex vivo "
        "modification of haematopoietic stem cells and T cells: packaging systems, pseudotyping, "
        "transduction enhancers, vector copy number and the safety of integration.",
        "objectives": "Describe the architecture of third-generation SIN lentiviral vectors and their packaging "
        "plasmids\n"
        "Choose an envelope (VSV-G, BaEV, measles) for a given target cell\n"
        "Optimise the transduction of CD34+ cells and T cells with enhancers and MOI\n"
        "Measure vector copy number by ddPCR and compare it with release criteria\n"
        "Assess genotoxicity risks and the methods used to monitor integration sites",
        "prerequisites": "Working knowledge of cell culture and molecular biology; basic immunology is an advantage.",
        "audience": "Researchers and engineers working on ex vivo gene therapy or CAR-T programmes, "
        "PhD students and post-docs.",
        "teaching_methods": "Lectures, case studies from clinical-stage programmes, a hands-on ddPCR session "
        "in small groups, open Q&A with the trainers; slides provided as PDF.",
        "assessment": "Multiple-choice quiz at the end of each day and a short practical exercise on VCN "
        "calculation. End-of-course satisfaction survey.",
        "what_to_bring": "Lab coat; a laptop for the data analysis exercise.",
    },
    {
        "slug": "edition-genome-crispr",
        "title": "Édition du génome : CRISPR-Cas9, éditeurs de bases et prime editing",
        "track": "research",
        "level": "advanced",
        "language": "fr",
        "format": "in_person",
        "hours": "21",
        "price": "1600.00",
        "place": "lab",
        "trainers": ["benali", "moreau"],
        "summary": "Panorama pratique des outils d'édition du génome à visée thérapeutique : nucléases Cas9 "
        "et Cas12a, éditeurs de bases, prime editing. Conception des guides, modes de livraison (RNP, "
        "AAV, nanoparticules lipidiques), mesure de l'efficacité et analyse des effets hors cible.",
        "objectives": "Concevoir et sélectionner des ARN guides avec les outils bioinformatiques courants\n"
        "Choisir entre coupure double brin, édition de bases et prime editing selon la mutation visée\n"
        "Comparer les modes de livraison ex vivo et in vivo\n"
        "Quantifier l'efficacité d'édition par séquençage (ICE, CRISPResso2)\n"
        "Évaluer les effets hors cible et les réarrangements chromosomiques",
        "prerequisites": "Solide pratique de la biologie moléculaire et de la culture cellulaire ; "
        "des notions de bioinformatique sont recommandées.",
        "audience": "Chercheurs, post-doctorants et ingénieurs de R&D engagés dans un projet d'édition du génome.",
        "teaching_methods": "Cours, ateliers de conception de guides sur ordinateur, travaux pratiques de "
        "nucléofection de RNP, analyse de données de séquençage réelles.",
        "assessment": "Mise en situation : conception commentée d'une stratégie d'édition pour une mutation "
        "donnée, puis QCM final. Questionnaire de satisfaction à chaud.",
        "what_to_bring": "Ordinateur portable avec un navigateur récent ; blouse de laboratoire.",
    },
    {
        "slug": "rna-therapeutics-fundamentals",
        "title": "RNA therapeutics: antisense oligonucleotides, siRNA and mRNA",
        "track": "research",
        "level": "introductory",
        "language": "en",
        "format": "remote",
        "hours": "7",
        "price": "450.00",
        "place": "zoom",
        "trainers": ["benali"],
        "summary": "A one-day online introduction to RNA-based medicines: how ASOs, siRNAs and mRNAs work, "
        "the chemistry that makes them stable, delivery with GalNAc conjugates and lipid nanoparticles, "
        "and lessons from approved products such as nusinersen and patisiran.",
        "objectives": "Explain the mechanisms of action of ASOs, siRNAs and mRNA therapeutics\n"
        "Relate chemical modifications to stability, potency and toxicity\n"
        "Compare delivery strategies: conjugates, lipid nanoparticles, local administration\n"
        "Discuss the development path of approved RNA medicines",
        "prerequisites": "A degree in life sciences or equivalent experience. No laboratory experience required.",
        "audience": "Researchers, clinicians, project managers and students interested in RNA therapies.",
        "teaching_methods": "Live online lectures in four modules, polls and quizzes, a case study in "
        "breakout rooms; slides are provided, recordings are not.",
        "assessment": "Online quiz at the end of the day (pass mark 70 %). End-of-course satisfaction survey.",
        "what_to_bring": "A computer with a webcam and headset; the Zoom link is in the convocation.",
    },
    {
        "slug": "immunogenicite-aav",
        "title": "Immunogénicité des vecteurs AAV : anticorps neutralisants et réponses cellulaires",
        "track": "research",
        "level": "advanced",
        "language": "fr",
        "format": "hybrid",
        "hours": "10.5",
        "price": "900.00",
        "place": "hybrid",
        "trainers": ["moreau", "benali"],
        "summary": "Une journée et demie pour comprendre et maîtriser les réponses immunitaires dirigées contre "
        "les vecteurs AAV et le transgène : sélection des patients, dosage des anticorps neutralisants, "
        "immunosuppression, réadministration. Formation ouverte sur place et à distance.",
        "objectives": "Décrire les réponses immunitaires innées et adaptatives contre la capside et le transgène\n"
        "Choisir et interpréter un test d'anticorps neutralisants ou d'anticorps totaux\n"
        "Discuter les stratégies d'immunomodulation utilisées en clinique\n"
        "Intégrer l'immunogénicité dans un plan de développement préclinique",
        "prerequisites": "Connaissance des vecteurs AAV (par exemple la formation « Thérapie génique : "
        "conception de vecteurs AAV ») et bases d'immunologie.",
        "audience": "Chercheurs, médecins et chefs de projet en thérapie génique, équipes précliniques et cliniques.",
        "teaching_methods": "Exposés, analyse d'articles et de données cliniques publiées, discussion de cas "
        "en petits groupes, sur place et en salles virtuelles.",
        "assessment": "Étude de cas notée en fin de formation et QCM. Questionnaire de satisfaction à chaud.",
        "what_to_bring": "À distance : ordinateur avec caméra et micro.",
    },
    {
        "slug": "introduction-therapie-genique",
        "title": "Introduction à la thérapie génique pour les non-spécialistes",
        "track": "research",
        "level": "introductory",
        "language": "fr",
        "format": "remote",
        "hours": "7",
        "price": "350.00",
        "place": "zoom",
        "trainers": ["moreau", "benali"],
        "summary": "Une journée à distance pour comprendre ce qu'est un médicament de thérapie génique, comment "
        "il est conçu, produit et évalué, et ce qu'il change pour les patients. Idéal pour les fonctions "
        "support, les nouveaux arrivants et les étudiants.",
        "objectives": "Définir les grandes familles de thérapies géniques (in vivo, ex vivo, édition du génome)\n"
        "Expliquer le rôle des vecteurs viraux AAV et lentiviraux\n"
        "Décrire les étapes d'un développement, de la recherche à l'autorisation de mise sur le marché\n"
        "Situer les acteurs du biocluster d'Evry et leurs métiers",
        "prerequisites": "Aucun prérequis scientifique.",
        "audience": "Personnels administratifs, qualité, achats, communication et ressources humaines du "
        "biocluster ; étudiants ; patients experts.",
        "teaching_methods": "Classe virtuelle interactive, vidéos courtes, quiz, témoignages d'un chercheur "
        "et d'une association de patients.",
        "assessment": "Quiz en ligne en fin de journée. Questionnaire de satisfaction à chaud.",
        "what_to_bring": "Un ordinateur avec caméra et micro ; le lien Zoom figure dans la convocation.",
    },
    {
        "slug": "vector-integration-site-analysis",
        "title": "Vector integration site analysis by NGS",
        "track": "research",
        "level": "advanced",
        "language": "en",
        "format": "in_person",
        "hours": "14",
        "price": "1250.00",
        "place": "lab",
        "trainers": ["benali"],
        "status": "draft",
        "summary": "Two days on the molecular and bioinformatic methods used to map lentiviral and AAV "
        "integration sites and to monitor clonality in treated patients: LAM-PCR, target enrichment, "
        "long-read sequencing and data interpretation.",
        "objectives": "Compare integration site retrieval methods and their biases\n"
        "Prepare sequencing libraries for integration site analysis\n"
        "Run a bioinformatic pipeline and annotate integration sites\n"
        "Interpret clonal abundance data in long-term follow-up",
        "prerequisites": "Experience of NGS library preparation and of command-line tools.",
        "audience": "Scientists and bioinformaticians in charge of genotoxicity and long-term follow-up studies.",
        "teaching_methods": "Lectures, a wet-lab demonstration, computer practicals on anonymised real datasets.",
        "assessment": "Practical exercise on a provided dataset, graded by the trainer. "
        "End-of-course satisfaction survey.",
        "what_to_bring": "A laptop with at least 16 GB of RAM; installation instructions are sent beforehand.",
    },
    {
        "slug": "production-gmp-vecteurs-viraux",
        "title": "Production GMP de vecteurs viraux : les fondamentaux",
        "track": "biomanufacturing",
        "level": "introductory",
        "language": "fr",
        "format": "in_person",
        "hours": "14",
        "price": "1200.00",
        "place": "process",
        "trainers": ["lefevre", "moreau"],
        "summary": "Deux jours pour comprendre le cycle de production d'un lot clinique de vecteurs viraux selon "
        "les BPF : de la banque de cellules au produit fini, jusqu'à la libération pharmaceutique. "
        "Visite commentée d'une unité de production.",
        "objectives": "Décrire les étapes d'un procédé de production AAV et lentiviral à l'échelle GMP\n"
        "Expliquer les exigences des BPF (partie I, annexes 1 et 2A) applicables aux MTI\n"
        "Identifier les attributs qualité critiques et les paramètres critiques du procédé\n"
        "Comprendre le rôle du dossier de lot et de la libération par le pharmacien responsable",
        "prerequisites": "Formation scientifique ou technique (bac+2 minimum) ; aucune expérience de la "
        "production n'est exigée.",
        "audience": "Opérateurs et techniciens de production récemment recrutés, personnels qualité, chercheurs "
        "préparant un transfert vers la production.",
        "teaching_methods": "Exposés illustrés, visite d'une zone de production (après habillage), exercices "
        "sur des extraits de dossiers de lot.",
        "assessment": "QCM en début et en fin de formation pour mesurer la progression. "
        "Questionnaire de satisfaction à chaud.",
        "what_to_bring": "Chaussures fermées ; ni bijoux ni maquillage le jour de la visite.",
    },
    {
        "slug": "upstream-processing-aav",
        "title": "Upstream processing: AAV production in suspension HEK293 cells",
        "track": "biomanufacturing",
        "level": "intermediate",
        "language": "en",
        "format": "in_person",
        "hours": "21",
        "price": "1700.00",
        "place": "process",
        "trainers": ["lefevre", "moreau"],
        "summary": "Three days on the upstream steps of AAV manufacturing: cell expansion in suspension, "
        "PEI-mediated triple transfection, bioreactor operation and harvest. Lectures alternate with "
        "hands-on work on benchtop bioreactors.",
        "objectives": "Plan a seed train from a working cell bank to a production bioreactor\n"
        "Optimise a PEI triple transfection (plasmid ratio, DNA:PEI ratio, cell density)\n"
        "Operate and monitor a stirred-tank bioreactor (pH, dissolved oxygen, temperature)\n"
        "Choose the harvest time and lysis conditions that maximise full capsid yield\n"
        "Document the process as GMP expects",
        "prerequisites": "Experience of mammalian cell culture; our course on GMP production of viral "
        "vectors, or equivalent experience, is recommended.",
        "audience": "Process development scientists, manufacturing operators and technicians, MSAT engineers.",
        "teaching_methods": "Lectures, hands-on sessions on 3 L benchtop bioreactors in groups of four, "
        "troubleshooting exercises based on real batch records.",
        "assessment": "Practical assessment during the bioreactor sessions and a final multiple-choice quiz. "
        "End-of-course satisfaction survey.",
        "what_to_bring": "Closed shoes; lab coats and safety glasses are provided.",
    },
    {
        "slug": "purification-aval-aav",
        "title": "Procédés aval : purification des AAV par chromatographie d'affinité",
        "track": "biomanufacturing",
        "level": "intermediate",
        "language": "fr",
        "format": "in_person",
        "hours": "14",
        "price": "1350.00",
        "place": "cleanroom",
        "trainers": ["lefevre", "moreau"],
        "summary": "Deux jours consacrés à la purification des vecteurs AAV : clarification, chromatographie "
        "d'affinité, enrichissement en capsides pleines par échange d'anions, ultrafiltration et "
        "diafiltration, filtration stérilisante.",
        "objectives": "Concevoir un enchaînement d'étapes aval adapté au sérotype produit\n"
        "Mettre en œuvre une chromatographie d'affinité et en interpréter le chromatogramme\n"
        "Séparer capsides pleines et vides par chromatographie d'échange d'anions\n"
        "Dimensionner une étape d'UF/DF et une filtration stérilisante\n"
        "Relier les étapes aval aux attributs qualité du produit fini",
        "prerequisites": "Bases de biochimie des protéines ; une première expérience de la chromatographie "
        "est souhaitable.",
        "audience": "Ingénieurs et techniciens de développement de procédés et de production.",
        "teaching_methods": "Cours, démonstrations sur système de chromatographie, exercices de "
        "dimensionnement, analyse de chromatogrammes de lots réels.",
        "assessment": "Exercice de dimensionnement corrigé et QCM final. Questionnaire de satisfaction à chaud.",
        "what_to_bring": "Calculatrice ou ordinateur portable ; blouse de laboratoire.",
    },
    {
        "slug": "controle-qualite-vecteurs",
        "title": "Contrôle qualité des lots de vecteurs : titre, pureté, capsides pleines et vides",
        "track": "biomanufacturing",
        "level": "intermediate",
        "language": "fr",
        "format": "hybrid",
        "hours": "14",
        "price": "1200.00",
        "place": "hybrid",
        "trainers": ["lefevre", "benali"],
        "summary": "Les méthodes analytiques de libération et de caractérisation des vecteurs viraux : titre "
        "génomique (qPCR, ddPCR), titre infectieux, ratio capsides pleines/vides, pureté, contaminants "
        "résiduels, stérilité. Formation hybride, sur place ou à distance.",
        "objectives": "Choisir la méthode analytique adaptée à chaque attribut qualité critique\n"
        "Interpréter le certificat d'analyse d'un lot de vecteur\n"
        "Appliquer aux vecteurs les principes de validation de méthode (ICH Q2)\n"
        "Suivre les tendances des résultats et traiter un résultat hors spécification",
        "prerequisites": "Pratique d'un laboratoire d'analyse ou de contrôle qualité.",
        "audience": "Analystes et responsables de laboratoire de contrôle qualité, personnels d'assurance qualité.",
        "teaching_methods": "Exposés, études de cas de résultats hors spécification, atelier d'interprétation "
        "de données de ddPCR et d'ultracentrifugation analytique.",
        "assessment": "Étude de cas d'un résultat hors spécification restituée en groupe, QCM final. "
        "Questionnaire de satisfaction à chaud.",
        "what_to_bring": "À distance : ordinateur avec caméra et micro.",
    },
    {
        "slug": "aseptic-technique-cleanroom",
        "title": "Aseptic technique and cleanroom behaviour (grades A and B)",
        "track": "biomanufacturing",
        "level": "introductory",
        "language": "en",
        "format": "in_person",
        "hours": "7",
        "price": "650.00",
        "place": "cleanroom",
        "trainers": ["lefevre"],
        "summary": "A practical day in a teaching cleanroom: gowning qualification, aseptic handling under "
        "grade A unidirectional airflow, environmental monitoring and the behaviours that protect the "
        "product, in line with the revised EU GMP Annex 1.",
        "objectives": "Gown for grade B areas following a validated procedure\n"
        "Handle materials aseptically under unidirectional airflow without breaking first air\n"
        "Explain the principles of environmental and personnel monitoring\n"
        "Recognise and report deviations that may compromise sterility",
        "prerequisites": "None. Participants must be able to stand for long periods in full cleanroom garments.",
        "audience": "New manufacturing operators, QC staff entering grade B areas, researchers moving into "
        "GMP production.",
        "teaching_methods": "Short briefing, then practice in the teaching cleanroom in groups of three, with "
        "glove contact plates for immediate feedback.",
        "assessment": "Practical assessment of gowning and aseptic handling with contact plate results; "
        "short written quiz. End-of-course satisfaction survey.",
        "what_to_bring": "No make-up, jewellery or watches; cleanroom garments are provided.",
    },
    {
        "slug": "habillage-zone-atmosphere-controlee",
        "title": "Habillage et comportement en zone à atmosphère contrôlée",
        "track": "biomanufacturing",
        "level": "introductory",
        "language": "fr",
        "format": "in_person",
        "hours": "7",
        "price": "550.00",
        "place": "cleanroom",
        "trainers": ["lefevre"],
        "summary": "Une journée pratique en salle blanche pédagogique pour acquérir les gestes d'habillage et "
        "les comportements attendus en classes C et B : circulation du personnel et du matériel, "
        "nettoyage et désinfection, surveillance particulaire.",
        "objectives": "Réaliser un habillage conforme pour les classes C et B\n"
        "Appliquer les règles de circulation du personnel et du matériel dans les sas\n"
        "Expliquer les principes du nettoyage et de la désinfection des surfaces\n"
        "Adopter les comportements qui limitent la contamination particulaire et microbiologique",
        "prerequisites": "Aucun prérequis. La partie pratique demande de rester debout plusieurs heures.",
        "audience": "Opérateurs de production, agents de bionettoyage, techniciens de maintenance et de "
        "contrôle intervenant en zone propre.",
        "teaching_methods": "Démonstration puis mise en pratique en salle blanche pédagogique, boîtes contact "
        "pour visualiser la contamination, vidéo commentée.",
        "assessment": "Évaluation pratique de l'habillage (boîtes contact) et quiz écrit. "
        "Questionnaire de satisfaction à chaud.",
        "what_to_bring": "Ni maquillage, ni bijoux, ni montre ; les tenues sont fournies.",
    },
    {
        "slug": "annexe-1-bpf-plan-conformite",
        "title": "Annexe 1 des BPF révisée : plan de mise en conformité",
        "track": "biomanufacturing",
        "level": "intermediate",
        "language": "fr",
        "format": "remote",
        "hours": "7",
        "price": "400.00",
        "place": "zoom",
        "trainers": ["lefevre"],
        "status": "archived",
        "summary": "Formation archivée : son contenu est désormais intégré aux formations de production GMP. "
        "Elle présentait la révision de l'annexe 1 des BPF européennes : stratégie de maîtrise de la "
        "contamination, technologies barrières, surveillance environnementale, simulations de procédé "
        "aseptique.",
        "objectives": "Identifier les principaux changements de l'annexe 1 révisée\n"
        "Construire la trame d'une stratégie de maîtrise de la contamination (CCS)\n"
        "Évaluer l'écart entre les pratiques du site et les nouvelles exigences",
        "prerequisites": "Connaissance des BPF et expérience en production stérile ou en assurance qualité.",
        "audience": "Responsables de production, d'assurance qualité et de qualification des sites du biocluster.",
        "teaching_methods": "Classe virtuelle, analyse comparée des textes, atelier d'analyse d'écart.",
        "assessment": "Quiz en ligne et analyse d'écart rendue en fin de journée. "
        "Questionnaire de satisfaction à chaud.",
        "what_to_bring": "Un ordinateur avec caméra et micro.",
    },
    {
        "slug": "data-integrity-gmp",
        "title": "Data integrity in GMP laboratories (ALCOA+)",
        "track": "biomanufacturing",
        "level": "intermediate",
        "language": "en",
        "format": "remote",
        "hours": "7",
        "price": "500.00",
        "place": "zoom",
        "trainers": ["lefevre", "benali"],
        "summary": "An online day on what inspectors expect of data integrity: ALCOA+ principles, audit "
        "trails, computerised systems under EU GMP Annex 11 and 21 CFR Part 11, and reviewing data "
        "before batch release.",
        "objectives": "Apply the ALCOA+ principles to paper and electronic records\n"
        "Review the audit trails of laboratory instruments and software\n"
        "Explain what Annex 11 and 21 CFR Part 11 require of computerised systems\n"
        "Recognise common data integrity findings in inspection reports",
        "prerequisites": "Experience in a GMP laboratory or a quality assurance role.",
        "audience": "QC analysts, QA reviewers, laboratory managers and owners of computerised systems.",
        "teaching_methods": "Live online lectures, analysis of anonymised inspection findings, "
        "an audit trail review exercise.",
        "assessment": "Audit trail review exercise and online quiz. End-of-course satisfaction survey.",
        "what_to_bring": "A computer with a webcam and headset.",
    },
    {
        "slug": "creer-startup-biotech",
        "title": "Créer sa start-up en biotech : du laboratoire à la société",
        "track": "entrepreneurship",
        "level": "introductory",
        "language": "fr",
        "format": "in_person",
        "hours": "14",
        "price": "800.00",
        "place": "room",
        "trainers": ["girard"],
        "summary": "Deux jours pour transformer un résultat de recherche en projet d'entreprise : proposition "
        "de valeur, propriété intellectuelle, statut de chercheur-entrepreneur, forme juridique, premiers "
        "financements et dispositifs d'accompagnement de Genopole.",
        "objectives": "Formuler la proposition de valeur d'un projet de thérapie innovante\n"
        "Identifier les options de transfert de technologie avec l'établissement d'origine\n"
        "Choisir une forme juridique et répartir le capital entre fondateurs\n"
        "Construire le plan de financement des 24 premiers mois\n"
        "Connaître les dispositifs d'accompagnement (Genopole Shaker, Bpifrance, concours i-Lab)",
        "prerequisites": "Un projet de création ou un intérêt pour l'entrepreneuriat ; aucune connaissance "
        "juridique ou financière n'est requise.",
        "audience": "Chercheurs, doctorants et post-doctorants porteurs de projet, cliniciens, ingénieurs "
        "souhaitant créer une entreprise.",
        "teaching_methods": "Ateliers en petits groupes sur les projets des participants, témoignages de "
        "fondateurs du biocluster, exercices de pitch.",
        "assessment": "Présentation du projet devant un jury en fin de formation, avec un retour écrit "
        "personnalisé. Questionnaire de satisfaction à chaud.",
        "what_to_bring": "Une description d'une page de votre projet (facultatif) ; ordinateur portable.",
    },
    {
        "slug": "regulatory-strategy-atmp",
        "title": "Regulatory strategy for ATMPs: EMA, FDA and the hospital exemption",
        "track": "entrepreneurship",
        "level": "intermediate",
        "language": "en",
        "format": "hybrid",
        "hours": "14",
        "price": "1300.00",
        "place": "hybrid",
        "trainers": ["girard"],
        "summary": "Two days to build the regulatory roadmap of an advanced therapy medicinal product: "
        "ATMP classification, scientific advice, PRIME and RMAT designations, orphan designation, "
        "clinical trial applications under the EU CTR, and the hospital exemption route.",
        "objectives": "Classify a product as gene therapy, somatic cell therapy or tissue-engineered product\n"
        "Plan scientific advice meetings with EMA, ANSM and FDA\n"
        "Assess eligibility for PRIME, RMAT, orphan designation and paediatric plans\n"
        "Prepare the quality section of a clinical trial application for an ATMP\n"
        "Compare centralised marketing authorisation with the hospital exemption",
        "prerequisites": "Basic knowledge of drug development; experience of an ATMP project is an advantage.",
        "audience": "Founders, project leaders, regulatory affairs officers and business developers of gene "
        "and cell therapy companies.",
        "teaching_methods": "Lectures, case studies of authorised ATMPs, a workshop building the regulatory "
        "roadmap of a fictitious product.",
        "assessment": "Group presentation of the regulatory roadmap, assessed by the trainer; final quiz. "
        "End-of-course satisfaction survey.",
        "what_to_bring": "Remote participants: a computer with a webcam and headset.",
    },
    {
        "slug": "levee-de-fonds-biotech",
        "title": "Lever des fonds en biotech : Bpifrance, business angels et capital-risque",
        "track": "entrepreneurship",
        "level": "intermediate",
        "language": "fr",
        "format": "in_person",
        "hours": "7",
        "price": "600.00",
        "place": "room",
        "trainers": ["girard"],
        "summary": "Une journée pour préparer une levée d'amorçage ou de série A : panorama des financeurs, "
        "valorisation, term sheet, dilution, due diligence et relation avec les investisseurs, avec "
        "l'intervention d'un investisseur spécialisé en santé.",
        "objectives": "Distinguer financements non dilutifs et dilutifs, et leur calendrier\n"
        "Préparer un pitch deck et une data room adaptés à une biotech préclinique\n"
        "Lire une term sheet et en comprendre les clauses clés (liquidation préférentielle, anti-dilution)\n"
        "Simuler la dilution des fondateurs sur plusieurs tours",
        "prerequisites": "Avoir suivi « Créer sa start-up en biotech » ou disposer d'une expérience équivalente.",
        "audience": "Fondateurs et dirigeants de start-up, responsables financiers, porteurs de projets incubés.",
        "teaching_methods": "Exposés, simulation de négociation de term sheet, table de capitalisation sur "
        "tableur, retours d'un investisseur.",
        "assessment": "Exercice de table de capitalisation corrigé et simulation de pitch. "
        "Questionnaire de satisfaction à chaud.",
        "what_to_bring": "Ordinateur portable avec un tableur.",
    },
    {
        "slug": "ip-licensing-gene-therapy",
        "title": "Intellectual property and licensing in gene therapy",
        "track": "entrepreneurship",
        "level": "intermediate",
        "language": "en",
        "format": "remote",
        "hours": "7",
        "price": "700.00",
        "place": "zoom",
        "trainers": ["girard"],
        "summary": "An online day on patents and licences in gene therapy: patentability of vectors and "
        "editing tools, freedom-to-operate analysis, the CRISPR patent landscape, and negotiating "
        "licences with academic institutions and technology transfer offices.",
        "objectives": "Assess what can be patented in a gene therapy invention\n"
        "Read a patent claim and run a first freedom-to-operate search\n"
        "Understand the main terms of an exclusive licence agreement\n"
        "Prepare a negotiation with a technology transfer office",
        "prerequisites": "None; reading one patent document before the course is recommended.",
        "audience": "Researchers, founders, business developers and technology transfer staff.",
        "teaching_methods": "Live online lectures by a patent attorney, a patent search exercise, a licence "
        "negotiation role play in breakout rooms.",
        "assessment": "Patent claim analysis exercise and online quiz. End-of-course satisfaction survey.",
        "what_to_bring": "A computer with a webcam and headset.",
    },
    {
        "slug": "acces-marche-mti",
        "title": "Accès au marché des MTI : évaluation HAS, prix et remboursement",
        "track": "entrepreneurship",
        "level": "advanced",
        "language": "fr",
        "format": "hybrid",
        "hours": "10.5",
        "price": "950.00",
        "place": "hybrid",
        "trainers": ["girard"],
        "summary": "Une journée et demie pour anticiper l'accès au marché d'un médicament de thérapie innovante "
        "en France et en Europe : évaluation par la HAS (SMR, ASMR), négociation du prix avec le CEPS, "
        "accès précoce, paiement à la performance et évaluation clinique commune européenne.",
        "objectives": "Décrire le parcours d'évaluation et de remboursement d'un MTI en France\n"
        "Anticiper les données attendues par la HAS pour l'ASMR et l'évaluation médico-économique\n"
        "Comprendre l'accès précoce et les contrats de paiement à la performance\n"
        "Situer le règlement européen sur l'évaluation des technologies de santé",
        "prerequisites": "Expérience du développement clinique ou des affaires réglementaires.",
        "audience": "Dirigeants de biotech, responsables de l'accès au marché, des affaires réglementaires "
        "et médicales.",
        "teaching_methods": "Exposés, analyse d'avis de la commission de la transparence, atelier de "
        "construction d'une stratégie d'accès au marché.",
        "assessment": "Atelier restitué en groupe et QCM final. Questionnaire de satisfaction à chaud.",
        "what_to_bring": "À distance : ordinateur avec caméra et micro.",
    },
]
