"""Static material of the excedentes demo: institutions (from the editions), states, OOADs, the catalog of the
guides, unit-name parts and the units named in the guides. Deterministic; no I/O."""

from __future__ import annotations

from typing import NamedTuple

from excedentes.adapters.editions import JsonInstitutionEditions
from excedentes.domain.institution import Institution


class State(NamedTuple):
    prefix: str  # the CLUES state prefix, also the entity code (BC)
    upper: str  # "BAJA CALIFORNIA" (SS, IMSSB, ISSSTE, PEMEX wording)
    title: str  # "Baja California" (IMSS wording)
    capital: str


STATES: tuple[State, ...] = (
    State("AS", "AGUASCALIENTES", "Aguascalientes", "Aguascalientes"),
    State("BC", "BAJA CALIFORNIA", "Baja California", "Mexicali"),
    State("BS", "BAJA CALIFORNIA SUR", "Baja California Sur", "La Paz"),
    State("CC", "CAMPECHE", "Campeche", "Campeche"),
    State("CL", "COAHUILA DE ZARAGOZA", "Coahuila", "Saltillo"),
    State("CM", "COLIMA", "Colima", "Colima"),
    State("CS", "CHIAPAS", "Chiapas", "Tuxtla Gutiérrez"),
    State("CH", "CHIHUAHUA", "Chihuahua", "Chihuahua"),
    State("DF", "CIUDAD DE MÉXICO", "Ciudad de México", "Cuauhtémoc"),
    State("DG", "DURANGO", "Durango", "Durango"),
    State("GT", "GUANAJUATO", "Guanajuato", "León"),
    State("GR", "GUERRERO", "Guerrero", "Chilpancingo"),
    State("HG", "HIDALGO", "Hidalgo", "Pachuca de Soto"),
    State("JC", "JALISCO", "Jalisco", "Guadalajara"),
    State("MC", "MÉXICO", "México", "Toluca"),
    State("MN", "MICHOACÁN DE OCAMPO", "Michoacán", "Morelia"),
    State("MS", "MORELOS", "Morelos", "Cuernavaca"),
    State("NT", "NAYARIT", "Nayarit", "Tepic"),
    State("NL", "NUEVO LEÓN", "Nuevo León", "Monterrey"),
    State("OC", "OAXACA", "Oaxaca", "Oaxaca de Juárez"),
    State("PL", "PUEBLA", "Puebla", "Puebla"),
    State("QT", "QUERÉTARO", "Querétaro", "Querétaro"),
    State("QR", "QUINTANA ROO", "Quintana Roo", "Chetumal"),
    State("SP", "SAN LUIS POTOSÍ", "San Luis Potosí", "San Luis Potosí"),
    State("SL", "SINALOA", "Sinaloa", "Culiacán"),
    State("SR", "SONORA", "Sonora", "Hermosillo"),
    State("TC", "TABASCO", "Tabasco", "Villahermosa"),
    State("TS", "TAMAULIPAS", "Tamaulipas", "Ciudad Victoria"),
    State("TL", "TLAXCALA", "Tlaxcala", "Tlaxcala"),
    State("VZ", "VERACRUZ DE IGNACIO DE LA LLAVE", "Veracruz", "Xalapa"),
    State("YN", "YUCATÁN", "Yucatán", "Mérida"),
    State("ZS", "ZACATECAS", "Zacatecas", "Zacatecas"),
)
STATE_BY_PREFIX = {s.prefix: s for s in STATES}

# IMSS splits three states into two OOADs each (code, name, CLUES prefix).
IMSS_SPLITS: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "DF": (("DF-NTE", "CDMX Norte"), ("DF-SUR", "CDMX Sur")),
    "MC": (("MC-OTE", "Edo. de Méx. Ote."), ("MC-PTE", "Edo. de Méx. Pte.")),
    "VZ": (("VZ-NTE", "Veracruz Norte"), ("VZ-SUR", "Veracruz Sur")),
}

# Units per entity at national scale (the SS and IMSS figures of the guides where given).
SS_UNITS = dict(AS=115, BC=200, BS=92, CC=125, CL=190, CM=156, CS=1096, CH=302, DF=430, DG=277,
                GT=620, GR=1050, HG=560, JC=780, MC=1300, MN=520, MS=280, NT=230, NL=420,
                OC=1250, PL=900, QT=250, QR=200, SP=420, SL=300, SR=330, TC=600, TS=400,
                TL=220, VZ=1350, YN=200, ZS=330)
IMSS_UNITS = {"AS": 16, "BC": 39, "BS": 20, "CC": 12, "CL": 50, "CM": 13, "CS": 32, "CH": 57,
              "DF-NTE": 70, "DF-SUR": 75, "DG": 34, "GT": 49, "GR": 20, "HG": 21, "JC": 122,
              "MC-OTE": 55, "MC-PTE": 47, "MN": 56, "MS": 24, "NT": 27, "NL": 58, "OC": 27,
              "PL": 45, "QT": 25, "QR": 20, "SP": 30, "SL": 45, "SR": 60, "TC": 20, "TS": 55,
              "TL": 12, "VZ-NTE": 60, "VZ-SUR": 50, "YN": 30, "ZS": 25}
ISSSTE_UNITS = dict(AS=11, BC=14, BS=31, CC=11, CL=29, CM=5)  # others: 20-60
PEMEX_STATES = ("CS", "CH", "DF", "GT", "HG", "MC", "NL", "OC", "PL", "TC", "TS", "VZ", "CC",
                "SL", "SR", "JC")

INSTITUTION_PREFIX = {"IMSS": "IMS", "SS": "SSA", "IMSSB": "SSA", "ISSSTE": "IST",
                      "PEMEX": "PMX"}


def institutions() -> list[Institution]:
    """E1: the five institutions of the national agreement, from the editions kept as data
    (``editions.json``: the same settings ``institution create --edition`` registers)."""
    return [e.institution() for e in JsonInstitutionEditions().all()]


# --------------------------------------------------------------------------- the catalog

SERVICE = "Servicios de Atención Médica"

# Group -> (especialidades troncales, the first is the default; unit of measure of the
# generated products). The IMSS 2020 list of E6 plus the later editions' two groups.
GROUPS: dict[str, tuple[tuple[str, ...], str]] = {
    "Anatomía patológica": (("Anatomía patológica",), "Estudio"),
    "Atención Estomatológica": (("Consulta externa Odontología", "Cirugía maxilofacial"),
                                "Consulta"),
    "Audiología y Foniatría": (("Audiología", "Foniatría"), "Estudio"),
    "Cirugía": (("Cirugía general", "Cirugía cardiovascular", "Cirugía pediátrica",
                 "Ginecología", "Neurocirugía", "Oftalmología", "Ortopedia y traumatología",
                 "Otorrinolaringología", "Urología", "Cirugía plástica y reconstructiva"),
                "Procedimiento"),
    "Consulta": (("Consulta externa", "Consulta externa especialidad",
                  "Consulta externa primer contacto", "Consulta de ginecobstetricia",
                  "Consulta de medicina interna", "Hospitalización medicina interna",
                  "Psicología"), "Consulta"),
    "Cuidados Intensivos": (("Terapia intensiva adultos", "Terapia intensiva neonatal",
                             "Terapia intensiva pediátrica"), "Día"),
    "Electrodiagnóstico": (("Neurofisiología", "Cardiología"), "Estudio"),
    "Estudios de Intervencionismo Diagnóstico": (("Hemodinamia diagnóstica",
                                                  "Radiología intervencionista"), "Estudio"),
    "Estudios de Intervencionismo Terapéutico": (("Radiología intervencionista",),
                                                 "Procedimiento"),
    "Hemodiálisis": (("Nefrología",), "Sesión"),
    "Hospitalización": (("Medicina interna", "Pediatría", "Cirugía general"), "Procedimiento"),
    "Imagenología": (("Radiología e imagen", "Ultrasonografía", "Tomografía",
                      "Resonancia magnética"), "Estudio"),
    "Inhaloterapia": (("Neumología",), "Sesión"),
    "Intervencionismo Terapéutico (Hemodinamia)": (("Hemodinamia",), "Procedimiento"),
    "Laboratorio de análisis clínicos": (("Química clínica", "Hematología", "Microbiología",
                                          "Inmunología"), "Estudio"),
    "Litotricia": (("Urología",), "Sesión"),
    "Medicina física y rehabilitación": (("Rehabilitación física", "Terapia de lenguaje"),
                                         "Sesión"),
    "Medicina Nuclear": (("Medicina nuclear",), "Estudio"),
    "Parto y Puerperio": (("Ginecobstetricia",), "Procedimiento"),
    "Producto y Pruebas de Banco de Sangre": (("Banco de sangre",), "Unidad"),
    "Pruebas físicas": (("Cardiología", "Neumología"), "Estudio"),
    "Quimioterapia": (("Oncología médica", "Hematología"), "Sesión"),
    "Radioterapia": (("Radio-oncología",), "Sesión"),
    "Urgencias": (("Urgencias adultos", "Urgencias pediátricas"), "Consulta"),
}

# Products named in the guides: (group, specialty, name, unit of measure).
GUIDE_PRODUCTS: tuple[tuple[str, str, str, str], ...] = (
    ("Atención Estomatológica", "Consulta externa Odontología", "Aplicación de corona", "Consulta"),
    ("Atención Estomatológica", "Consulta externa Odontología",
     "Aplicación de dispositivo ortodóntico", "Consulta"),
    ("Atención Estomatológica", "Consulta externa Odontología",
     "Conducto radicular, no especificado de otra manera", "Consulta"),
    ("Atención Estomatológica", "Consulta externa Odontología",
     "Excisión de lesión o de tejido de encía", "Consulta"),
    ("Atención Estomatológica", "Consulta externa Odontología", "Exposición de diente", "Consulta"),
    ("Atención Estomatológica", "Consulta externa Odontología",
     "Extensión o profundización del surco bucalabial o lingual", "Consulta"),
    ("Atención Estomatológica", "Consulta externa Odontología", "Extracción de diente caduco",
     "Consulta"),
    ("Consulta", "Consulta externa", "Examen dental", "Consulta"),
    ("Consulta", "Psicología", "Psicoterapia", "Sesión"),
    ("Consulta", "Consulta externa", "Rehabilitación combinada de alcohol y drogas", "Consulta"),
    ("Consulta", "Consulta externa", "Rehabilitación de drogas", "Consulta"),
    ("Consulta", "Consulta externa especialidad", "Artrocentesis", "Consulta"),
    ("Cirugía", "Cirugía general", "Anestesia", "Procedimiento"),
    ("Cirugía", "Cirugía cardiovascular",
     "Creación de conducto entre el ventrículo derecho y la arteria pulmonar", "Procedimiento"),
    ("Cirugía", "Urología", "Cierre de uretostomía", "Procedimiento"),
    ("Cirugía", "Cirugía general", "Dilatación de esófago", "Procedimiento"),
    ("Cirugía", "Otorrinolaringología", "Amigdalectomía con o sin adenoidectomía",
     "Procedimiento"),
    ("Anatomía patológica", "Anatomía patológica", "ABORTO CON PLACENTA, HISTOPATOLÓGICO DE.",
     "Estudio"),
    ("Anatomía patológica", "Anatomía patológica", "AMIGDALECTOMÍA, HISTOPATOLÓGICO DE.",
     "Estudio"),
    ("Anatomía patológica", "Anatomía patológica",
     "AMPUTACIÓN O DESARTICULACIÓN, HISTOPATOLÓGICO DE.", "Estudio"),
    ("Anatomía patológica", "Anatomía patológica", "APÉNDICE, HISTOPATOLÓGICO DE.", "Estudio"),
    ("Anatomía patológica", "Anatomía patológica", "ASPIRADO BRONQUIAL, CITOLOGÍA EN.", "Estudio"),
    ("Anatomía patológica", "Anatomía patológica", "BIOPSIA DE MAMA, HISTOPATOLÓGICO DE.",
     "Estudio"),
    ("Anatomía patológica", "Anatomía patológica", "BIOPSIA DE MÉDULA ÓSEA, HISTOPATOLÓGICO DE.",
     "Estudio"),
    ("Radioterapia", "Radio-oncología", "IMPLANTACION O INSERCIÓN DE ELEMENTOS RADIOACTIVOS",
     "Sesión"),
    ("Radioterapia", "Radio-oncología", "Braquiterapia manual (hospitalización 72-120 hrs)",
     "Sesión"),
    ("Radioterapia", "Radio-oncología", "Braquiterapia", "Sesión"),
    ("Radioterapia", "Radio-oncología", "TELERRADIOTERAPIA CON RADIOISOTOPOS", "Sesión"),
    ("Medicina Nuclear", "Medicina nuclear",
     "Flebogramografía y pulmonar perfusor (fleboctelografía).", "Estudio"),
    ("Medicina Nuclear", "Medicina nuclear", "Flebogramografía radioisotópica.", "Estudio"),
    ("Medicina Nuclear", "Medicina nuclear", "Cistogramografía radioisotópica indirecta/directa.",
     "Estudio"),
    ("Hospitalización", "Cirugía general",
     "CONTROL DE HEMORRAGIA DESPUÉS DE AMIGDALECTOMIA Y ADENOIDECTOMIA", "Procedimiento"),
    ("Hospitalización", "Medicina interna", "CONGELACIÓN GÁSTRICA", "Procedimiento"),
    ("Imagenología", "Radiología e imagen", "Abdomen simple (radiografía)", "Estudio"),
    ("Imagenología", "Radiología e imagen", "Antebrazo adulto (radiografía)", "Estudio"),
    ("Laboratorio de análisis clínicos", "Química clínica", "Albúmina", "Estudio"),
    ("Laboratorio de análisis clínicos", "Química clínica", "Albumina en orina.", "Estudio"),
    ("Laboratorio de análisis clínicos", "Química clínica", "Albúmina en sangre.", "Estudio"),
    ("Laboratorio de análisis clínicos", "Microbiología", "Amiba en fresco.", "Estudio"),
    ("Laboratorio de análisis clínicos", "Microbiología",
     "Antibiograma gram negativos./antibiograma gram positivos./antibiograma para anaerobios./"
     "antibiogramas para hongos", "Estudio"),
    ("Laboratorio de análisis clínicos", "Inmunología", "Antígeno prostático psa libre",
     "Estudio"),
    ("Laboratorio de análisis clínicos", "Inmunología", "Antígeno prostático psa total",
     "Estudio"),
    ("Laboratorio de análisis clínicos", "Química clínica",
     "Bilirubina directa y bilirubina indirecta", "Estudio"),
    ("Laboratorio de análisis clínicos", "Química clínica", "Bilirubina total.", "Estudio"),
    ("Laboratorio de análisis clínicos", "Hematología",
     "Biometría hemática completa, velocidad de sedimentación globular (vsg), reticulocitos y "
     "plaquetas", "Estudio"),
    ("Laboratorio de análisis clínicos", "Hematología", "Citometría hemática completa.",
     "Estudio"),
    ("Laboratorio de análisis clínicos", "Hematología", "Coagulación.", "Estudio"),
    ("Laboratorio de análisis clínicos", "Química clínica", "Colesterol de alta densidad (hdl)",
     "Estudio"),
    ("Laboratorio de análisis clínicos", "Química clínica", "Colesterol de baja densidad (ldl)",
     "Estudio"),
    ("Laboratorio de análisis clínicos", "Química clínica", "Colesterol total", "Estudio"),
    ("Laboratorio de análisis clínicos", "Microbiología", "Coprocultivo", "Estudio"),
    ("Laboratorio de análisis clínicos", "Microbiología", "Coproparasitoscópico (1 muestra).",
     "Estudio"),
    ("Laboratorio de análisis clínicos", "Química clínica", "Examen general de orina", "Estudio"),
    ("Hemodiálisis", "Nefrología", "Sesión de hemodiálisis", "Sesión"),
    ("Cuidados Intensivos", "Terapia intensiva adultos", "Día de estancia en terapia intensiva",
     "Día"),
    ("Parto y Puerperio", "Ginecobstetricia", "Atención de parto eutócico", "Procedimiento"),
    ("Parto y Puerperio", "Ginecobstetricia", "Cesárea", "Procedimiento"),
    ("Inhaloterapia", "Neumología", "Nebulización", "Sesión"),
    ("Litotricia", "Urología", "Litotricia extracorpórea renal", "Sesión"),
    ("Medicina física y rehabilitación", "Rehabilitación física", "Terapia física", "Sesión"),
    ("Quimioterapia", "Oncología médica", "Aplicación de quimioterapia ambulatoria", "Sesión"),
    ("Pruebas físicas", "Cardiología", "Prueba de esfuerzo", "Estudio"),
    ("Electrodiagnóstico", "Neurofisiología", "Electroencefalograma", "Estudio"),
    ("Electrodiagnóstico", "Neurofisiología", "Electromiografía", "Estudio"),
    ("Audiología y Foniatría", "Audiología", "Audiometría tonal", "Estudio"),
    ("Estudios de Intervencionismo Diagnóstico", "Hemodinamia diagnóstica",
     "Cateterismo cardiaco diagnóstico", "Estudio"),
    ("Estudios de Intervencionismo Terapéutico", "Radiología intervencionista",
     "Embolización terapéutica", "Procedimiento"),
    ("Producto y Pruebas de Banco de Sangre", "Banco de sangre", "Concentrado eritrocitario",
     "Unidad"),
    ("Urgencias", "Urgencias adultos", "Atención de urgencias", "Consulta"),
    ("Intervencionismo Terapéutico (Hemodinamia)", "Hemodinamia",
     "Colocación de stent coronario", "Procedimiento"),
)

# Products per group: (small, national). National sums to ~10,000 with Cirugía at 2,857.
GROUP_SIZES: dict[str, tuple[int, int]] = {
    "Anatomía patológica": (10, 420), "Atención Estomatológica": (9, 180),
    "Audiología y Foniatría": (4, 90), "Cirugía": (30, 2857), "Consulta": (10, 600),
    "Cuidados Intensivos": (4, 120), "Electrodiagnóstico": (4, 150),
    "Estudios de Intervencionismo Diagnóstico": (4, 260),
    "Estudios de Intervencionismo Terapéutico": (4, 300), "Hemodiálisis": (3, 40),
    "Hospitalización": (6, 700), "Imagenología": (8, 900), "Inhaloterapia": (3, 60),
    "Intervencionismo Terapéutico (Hemodinamia)": (3, 150),
    "Laboratorio de análisis clínicos": (20, 1400), "Litotricia": (3, 30),
    "Medicina física y rehabilitación": (4, 240), "Medicina Nuclear": (5, 280),
    "Parto y Puerperio": (4, 90), "Producto y Pruebas de Banco de Sangre": (4, 120),
    "Pruebas físicas": (3, 110), "Quimioterapia": (4, 260), "Radioterapia": (5, 180),
    "Urgencias": (4, 120),
}

# Parts of generated product names, per group family.
_ACTIONS = ("Reparación", "Excisión", "Resección parcial", "Resección total", "Biopsia",
            "Drenaje", "Reconstrucción", "Sutura", "Exploración", "Fijación", "Liberación",
            "Revisión", "Plastia", "Incisión", "Extirpación de lesión", "Implantación de prótesis",
            "Retiro de prótesis", "Destrucción de lesión", "Derivación", "Anastomosis")
_SITES = ("apéndice", "vesícula biliar", "hernia inguinal", "hernia umbilical", "colon",
          "estómago", "esófago", "duodeno", "hígado", "páncreas", "bazo", "riñón", "uretra",
          "vejiga", "próstata", "testículo", "útero", "ovario", "trompa de Falopio", "mama",
          "tiroides", "paratiroides", "glándula salival", "amígdala", "laringe", "tráquea",
          "pulmón", "pleura", "pericardio", "válvula mitral", "válvula aórtica", "arteria carótida",
          "vena safena", "cadera", "rodilla", "tobillo", "hombro", "codo", "muñeca", "mano",
          "pie", "columna lumbar", "columna cervical", "cráneo", "nervio periférico", "párpado",
          "córnea", "cristalino", "retina", "oído medio", "tabique nasal", "seno paranasal",
          "piel y tejido subcutáneo", "tendón", "músculo", "fémur", "tibia", "húmero", "radio",
          "clavícula")
_APPROACHES = ("abierta", "laparoscópica", "endoscópica", "percutánea", "por mínima invasión")
_STUDIES = ("Determinación de", "Cuantificación de", "Cultivo de", "Perfil de", "Prueba rápida de",
            "Detección de", "Tinción de", "Estudio de")
_ANALYTES = ("glucosa", "urea", "creatinina", "ácido úrico", "sodio", "potasio", "cloro",
             "calcio", "fósforo", "magnesio", "hierro sérico", "ferritina", "transferrina",
             "triglicéridos", "lipasa", "amilasa", "troponina", "mioglobina", "procalcitonina",
             "proteína C reactiva", "hemoglobina glucosilada", "insulina", "cortisol", "TSH",
             "T3 libre", "T4 libre", "prolactina", "estradiol", "testosterona", "vitamina B12",
             "ácido fólico", "vitamina D", "antígeno carcinoembrionario", "CA 125", "CA 19-9",
             "alfafetoproteína", "fibrinógeno", "dímero D", "tiempo de protrombina",
             "tiempo de tromboplastina", "grupo sanguíneo", "anticuerpos antinucleares",
             "factor reumatoide", "VIH", "hepatitis B", "hepatitis C", "sífilis", "toxoplasma",
             "citomegalovirus", "rubéola", "Helicobacter pylori", "Streptococcus", "hongos",
             "micobacterias", "orina de 24 horas", "líquido cefalorraquídeo", "líquido sinovial",
             "líquido pleural", "expectoración", "exudado faríngeo")
_SPECIMENS = ("en sangre", "en suero", "en orina", "en heces", "en líquido", "en tejido",
              "pediátrico", "urgente")
_CARE = ("Atención de", "Manejo de", "Tratamiento de", "Valoración de", "Seguimiento de",
         "Control de", "Sesión de", "Aplicación de")
_CONDITIONS = ("insuficiencia renal", "insuficiencia cardiaca", "diabetes mellitus",
               "hipertensión arterial", "neumonía", "asma", "EPOC", "sepsis", "choque",
               "traumatismo craneoencefálico", "fractura", "quemadura", "politraumatismo",
               "cáncer de mama", "cáncer cervicouterino", "leucemia", "linfoma", "preeclampsia",
               "embarazo de alto riesgo", "recién nacido prematuro", "desnutrición",
               "enfermedad vascular cerebral", "infarto agudo de miocardio", "arritmia",
               "pancreatitis", "colecistitis", "apendicitis", "cirrosis hepática",
               "hemorragia digestiva", "dolor crónico", "parálisis cerebral", "lesión medular",
               "amputación", "hipoacusia", "trastorno del lenguaje", "depresión", "ansiedad",
               "adicciones", "obesidad", "tuberculosis")
_MODES = ("adulto", "pediátrico", "ambulatorio", "hospitalario", "de primera vez",
          "subsecuente", "domiciliario", "en urgencias")

_TEETH = ("incisivo central superior", "incisivo lateral superior", "canino superior",
          "primer premolar superior", "segundo premolar superior", "primer molar superior",
          "segundo molar superior", "tercer molar superior", "incisivo central inferior",
          "incisivo lateral inferior", "canino inferior", "primer premolar inferior",
          "segundo premolar inferior", "primer molar inferior", "segundo molar inferior",
          "tercer molar inferior")
_REGIONS = ("cráneo", "senos paranasales", "cuello", "tórax", "abdomen", "pelvis",
            "columna cervical", "columna dorsal", "columna lumbar", "hombro", "codo", "muñeca",
            "mano", "cadera", "rodilla", "tobillo", "pie", "fémur", "tibia", "húmero",
            "clavícula", "hígado y vías biliares", "riñones", "vejiga", "próstata", "tiroides",
            "mama", "corazón", "aorta", "cerebro", "órbitas", "oído", "glándulas salivales",
            "páncreas", "bazo", "útero y ovarios", "testículos", "tejidos blandos",
            "arterias de miembros inferiores", "venas de miembros inferiores")
_LIMBS = ("miembro superior", "miembro inferior", "mano", "pie", "cara", "tronco",
          "nervio mediano", "nervio cubital", "nervio peroneo", "nervio tibial",
          "plexo braquial", "región lumbosacra")
_VESSELS = ("arteria coronaria derecha", "arteria descendente anterior", "arteria circunfleja",
            "tronco coronario izquierdo", "arteria carótida", "arteria renal", "arteria femoral",
            "arteria poplítea", "arteria ilíaca", "aorta abdominal", "vena cava", "vena porta",
            "arterias cerebrales", "arteria pulmonar", "fístula arteriovenosa")
_TARGETS = (*_VESSELS, "hígado", "riñón", "vías biliares", "absceso abdominal",
            "colección pleural", "tiroides", "pulmón", "hueso", "ganglio linfático",
            "glándula suprarrenal", "páncreas", "bazo", "mama", "próstata", "útero")
_CANCERS = ("cáncer de mama", "cáncer cervicouterino", "cáncer de próstata", "cáncer de pulmón",
            "cáncer de colon", "cáncer gástrico", "cáncer de ovario", "cáncer de testículo",
            "leucemia linfoblástica", "leucemia mieloide", "linfoma de Hodgkin",
            "linfoma no Hodgkin", "mieloma múltiple", "sarcoma", "tumor cerebral",
            "cáncer de cabeza y cuello")
_CRITICAL = ("sepsis", "choque séptico", "choque hipovolémico", "insuficiencia respiratoria",
             "síndrome de dificultad respiratoria", "infarto agudo de miocardio",
             "traumatismo craneoencefálico", "politraumatismo", "quemadura extensa",
             "pancreatitis grave", "cetoacidosis diabética", "estado epiléptico",
             "enfermedad vascular cerebral", "preeclampsia grave", "falla orgánica múltiple")
_URGENT = ("dolor abdominal", "dolor torácico", "fractura", "herida", "crisis hipertensiva",
           "crisis asmática", "intoxicación", "quemadura", "fiebre", "deshidratación",
           "hemorragia", "convulsiones", "traumatismo", "reacción alérgica", "cólico renal")
_REHAB = ("fractura", "amputación", "lesión medular", "parálisis cerebral",
          "enfermedad vascular cerebral", "dolor crónico", "artritis reumatoide", "lumbalgia",
          "esguince", "luxación", "quemadura", "traumatismo craneoencefálico")
_AGES = ("adulto", "pediátrico")


def _combine(prefixes: tuple[str, ...], objects: tuple[str, ...],
             qualifiers: tuple[str | None, ...] = (None,)) -> list[str]:
    """"{prefix} {object}[, {qualifier}]" for every combination (deterministic order)."""
    return [" ".join(x for x in (p, o) if x) + ("" if q is None else f", {q}")
            for q in qualifiers for o in objects for p in prefixes]


# Each group's synthetic products come from its own vocabulary, so that every generated
# product belongs to its group (a resection is surgery, a calcium level is laboratory).
_VOCABULARY: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str | None, ...]]] = {
    "Cirugía": (tuple(f"{a} de" for a in _ACTIONS), _SITES, (None, *_APPROACHES)),
    "Hospitalización": (_CARE, _CONDITIONS, (None, "hospitalario", "adulto", "pediátrico",
                                             "en urgencias", "subsecuente")),
    "Consulta": (_CARE, _CONDITIONS, (None, *_MODES)),
    "Laboratorio de análisis clínicos": (_STUDIES, _ANALYTES, (None, *_SPECIMENS)),
    "Atención Estomatológica": (
        ("Obturación con resina de", "Obturación con amalgama de", "Extracción de",
         "Endodoncia de", "Sellado de fosetas de", "Curetaje periodontal de",
         "Restauración de", "Corona de acero en", "Radiografía periapical de",
         "Pulpotomía de"), _TEETH, (None, "en dentición temporal")),
    "Imagenología": (("Radiografía de", "Ultrasonido de", "Tomografía simple de",
                      "Tomografía contrastada de", "Resonancia magnética de",
                      "Angiotomografía de"), _REGIONS,
                     (None, "adulto", "pediátrico", "portátil", "comparativa")),
    "Anatomía patológica": (("Histopatológico de", "Citología de", "Inmunohistoquímica de",
                             "Estudio transoperatorio de"), _SITES,
                            (None, "pieza quirúrgica", "biopsia")),
    "Medicina Nuclear": (("Gammagrama de", "SPECT de", "PET-CT de", "Rastreo con radiofármaco de"),
                         _REGIONS, (None, "con esfuerzo")),
    "Electrodiagnóstico": (("Electromiografía de", "Neuroconducción de",
                            "Potenciales evocados somatosensoriales de",
                            "Estudio de fibra única de"), _LIMBS,
                           (None, "derecho", "izquierdo", "bilateral")),
    "Estudios de Intervencionismo Diagnóstico": (
        ("Angiografía diagnóstica de", "Cateterismo diagnóstico de",
         "Biopsia percutánea guiada de", "Flebografía de"), _TARGETS,
        (None, "guiada por ultrasonido", "guiada por tomografía")),
    "Estudios de Intervencionismo Terapéutico": (
        ("Embolización de", "Angioplastia de", "Drenaje percutáneo de",
         "Colocación de stent en", "Ablación percutánea de"), _TARGETS,
        (None, "guiada por ultrasonido", "guiada por tomografía")),
    "Intervencionismo Terapéutico (Hemodinamia)": (
        ("Angioplastia de", "Colocación de stent en", "Aterectomía de", "Trombectomía de"),
        _VESSELS, (None, "con balón medicado", "urgente")),
    "Audiología y Foniatría": (
        ("",), ("Audiometría tonal", "Logoaudiometría", "Impedanciometría",
                "Emisiones otoacústicas", "Potenciales evocados auditivos de tallo",
                "Valoración de voz", "Videoestroboscopia laríngea", "Valoración de deglución",
                "Terapia de voz", "Adaptación de auxiliar auditivo"),
        (None, "adulto", "pediátrico", "de seguimiento", "bilateral", "unilateral",
         "con enmascaramiento", "en campo libre", "de tamiz", "urgente")),
    "Producto y Pruebas de Banco de Sangre": (
        ("",), ("Concentrado eritrocitario", "Plasma fresco congelado", "Concentrado plaquetario",
                "Crioprecipitado", "Sangre total", "Aféresis plaquetaria", "Pruebas cruzadas",
                "Grupo sanguíneo y Rh", "Coombs directo", "Coombs indirecto",
                "Rastreo de anticuerpos irregulares", "Tamizaje serológico de donador"),
        (None, "leucorreducido", "irradiado", "pediátrico", "lavado", "fraccionado",
         "de urgencia", "para transfusión masiva", "filtrado", "de donador único",
         "de donador altruista")),
    "Pruebas físicas": (
        ("",), ("Prueba de esfuerzo", "Espirometría", "Prueba de caminata de seis minutos",
                "Ergometría", "Pletismografía", "Prueba de función pulmonar completa",
                "Prueba de reto con metacolina", "Holter de 24 horas",
                "Monitoreo ambulatorio de presión arterial", "Prueba de inclinación"),
        (None, *_AGES, "de seguimiento", "preoperatoria", "con broncodilatador",
         "con medicamento", "en banda sin fin", "en bicicleta", "con oximetría",
         "con gasometría", "de control")),
    "Cuidados Intensivos": (("Día de estancia por", "Manejo en terapia intensiva de",
                             "Soporte ventilatorio por", "Monitoreo invasivo por"), _CRITICAL,
                            (None, *_AGES, "neonatal")),
    "Hemodiálisis": (("",), ("Sesión de hemodiálisis", "Sesión de hemodiafiltración",
                             "Sesión de diálisis peritoneal", "Colocación de catéter para "
                             "hemodiálisis", "Sesión de hemodiálisis de urgencia"),
                     (None, "en paciente agudo", "en paciente crónico", "pediátrica",
                      "con ultrafiltración", "intrahospitalaria", "ambulatoria", "nocturna",
                      "con heparina de bajo peso molecular")),
    "Inhaloterapia": (("",), ("Nebulización", "Micronebulización", "Oxigenoterapia",
                              "Fisioterapia pulmonar", "Espirometría incentiva",
                              "Aspiración de secreciones", "Ventilación no invasiva"),
                      (None, *_AGES, "neonatal", "con broncodilatador",
                       "con solución hipertónica", "domiciliaria", "hospitalaria",
                       "en urgencias")),
    "Medicina física y rehabilitación": (
        ("Terapia física por", "Terapia ocupacional por", "Hidroterapia por",
         "Electroterapia por", "Mecanoterapia por", "Termoterapia por",
         "Valoración de rehabilitación por", "Sesión de rehabilitación por"), _REHAB,
        (None, *_AGES)),
    "Parto y Puerperio": (
        ("",), ("Atención de parto eutócico", "Atención de parto distócico", "Cesárea",
                "Legrado uterino instrumental", "Aspiración manual endouterina",
                "Atención de puerperio fisiológico", "Atención de puerperio quirúrgico",
                "Revisión de cavidad uterina", "Oclusión tubaria bilateral posparto",
                "Atención de aborto"),
        (None, "en adolescente", "en embarazo de alto riesgo", "en embarazo gemelar",
         "con analgesia obstétrica", "en embarazo pretérmino", "en embarazo de término",
         "con complicaciones", "sin complicaciones", "en paciente con preeclampsia")),
    "Quimioterapia": (("Aplicación de quimioterapia para", "Aplicación de inmunoterapia para",
                       "Aplicación de terapia blanco para", "Aplicación de hormonoterapia para",
                       "Valoración para quimioterapia de"), _CANCERS,
                      (None, "ambulatoria", "hospitalaria", "pediátrica")),
    "Radioterapia": (("Teleterapia para", "Braquiterapia para", "Radiocirugía para",
                      "Radioterapia de intensidad modulada para", "Radioterapia conformal para"),
                     _CANCERS, (None, "paliativa", "radical", "adyuvante")),
    "Urgencias": (("Atención de urgencias por", "Valoración en urgencias por",
                   "Observación en urgencias por"), _URGENT, (None, *_AGES)),
    "Litotricia": (("Litotricia extracorpórea", "Litotricia intracorpórea",
                    "Ureterolitotricia láser", "Nefrolitotricia percutánea"),
                   ("renal", "ureteral", "vesical"), (None, "derecha", "izquierda")),
}


def generated_names(group: str) -> list[str]:
    """Every synthetic product name available for a group, from the group's own vocabulary
    (deterministic order)."""
    prefixes, objects, qualifiers = _VOCABULARY[group]
    return _combine(prefixes, objects, qualifiers)


# --------------------------------------------------------------------------- units

SS_NAMED_BC = (  # Entidad Federativa BAJA CALIFORNIA, SS 2021 guide
    ("BCSSA001152", "3 DE OCTUBRE", "PRIMER NIVEL"),
    ("BCSSA000831", "ALBERTO OVIEDO MOTA INDIVISO", "PRIMER NIVEL"),
    ("BCSSA000633", "ALGODONES", "PRIMER NIVEL"),
    ("BCSSA000143", "BAHÍA DE LOS ÁNGELES", "PRIMER NIVEL"),
    ("BCSSA000411", "BENITO GARCÍA", "PRIMER NIVEL"),
    ("BCSSA000324", "BENITO JUÁREZ", "PRIMER NIVEL"),
    ("BCSSA000814", "BENITO JUÁREZ", "PRIMER NIVEL"),
    ("BCSSA001205", "CAMINO VERDE", "PRIMER NIVEL"),
    ("BCSSA001125", "CAÑÓN DEL PADRE", "PRIMER NIVEL"),
    ("BCSSA001346", "UNIDAD MÓVIL NO. 7", "PRIMER NIVEL"),
    ("BCSSA000970", "VERACRUZ DOS", "PRIMER NIVEL"),
    ("BCSSA000013", "HOSPITAL GENERAL MEXICALI", "SEGUNDO NIVEL"),
)
ISSSTE_NAMED = {
    "BC": (("BCIST000122", "EL ROSARIO 1", "PRIMER NIVEL"),
           ("BCIST000052", "ESTACION DELTA 1", "PRIMER NIVEL"),
           ("BCIST000023", "ISLA DE CEDROS 1", "PRIMER NIVEL"),
           ("BCIST000076", "LOS ALGODONES 1", "PRIMER NIVEL"),
           ("BCIST000146", "MESA DE OTAY 1", "PRIMER NIVEL")),
    "CC": (("CCIST000016", "CALKINI 1", "PRIMER NIVEL"),
           ("CCIST000021", "CHAMPOTON 1", "PRIMER NIVEL"),
           ("CCIST000033", "ESCARCEGA 1", "PRIMER NIVEL"),
           ("CCIST000045", "HOPELCHEN 1", "PRIMER NIVEL"),
           ("CCIST000050", "HECELCHAKAN 1", "PRIMER NIVEL"),
           ("CCIST000064", "CANDELARIA 1", "PRIMER NIVEL"),
           ("CCIST000072", "PALIZADA 1", "PRIMER NIVEL"),
           ("CCIST000085", "TENABO 1", "PRIMER NIVEL"),
           ("CCIST000090", "CLINICA HOSPITAL CIUDAD DEL CARMEN", "SEGUNDO NIVEL"),
           ("CCIST000103", "HOSPITAL GENERAL CAMPECHE", "SEGUNDO NIVEL"),
           ("CCIST000115", "UNIDAD DE MEDICINA FAMILIAR CAMPECHE", "PRIMER NIVEL")),
}
IMSS_NAMED = {
    "NL": (("NLIMS000101", "HGSMF 10, Sabinas Hidalgo", "SEGUNDO NIVEL"),
           ("NLIMS000116", "HGSMF 11, Montemorelos", "SEGUNDO NIVEL"),
           ("NLIMS000120", "HGSMF 12, Linares", "SEGUNDO NIVEL"),
           ("NLIMS000042", "HGZ 4, Guadalupe", "SEGUNDO NIVEL"),
           ("NLIMS000175", "HGZ 17, Monterrey", "SEGUNDO NIVEL"),
           ("NLIMS000331", "HGZ 33, Monterrey", "SEGUNDO NIVEL"),
           ("NLIMS000673", "HGZ 67, Apodaca", "SEGUNDO NIVEL"),
           ("NLIMS000024", "HGZMF 2, Monterrey", "SEGUNDO NIVEL"),
           ("NLIMS000063", "HGZMF 6, San Nicolas de los Garza", "SEGUNDO NIVEL"),
           ("NLIMS000074", "UMAA 7, San Pedro Garza García", "PRIMER NIVEL"),
           ("NLIMS000652", "UMAA 65, Santo Domingo", "PRIMER NIVEL"),
           ("NLIMS000035", "UMF 3, Monterrey", "PRIMER NIVEL"),
           ("NLIMS000053", "UMF 5, Monterrey", "PRIMER NIVEL"),
           ("NLIMS000076", "UMF 7, San Pedro Garza García", "PRIMER NIVEL"),
           ("NLIMS000083", "UMF 8, El Cercado", "PRIMER NIVEL"),
           ("NLIMS000095", "UMF 9, Salinas Victoria", "PRIMER NIVEL"),
           ("NLIMS000154", "UMF 15, Monterrey", "PRIMER NIVEL")),
    "HG": (("HGIMS000012", "HGZMF 1, Pachuca de Soto", "SEGUNDO NIVEL"),
           ("HGIMS000024", "HGZ 2, Tulancingo de Bravo", "SEGUNDO NIVEL"),
           ("HGIMS000036", "HGSZ 33, Tizayuca", "SEGUNDO NIVEL"),
           ("HGIMS000045", "UMF 32, Pachuca de Soto", "PRIMER NIVEL")),
}
IMSSB_NAMED_CL = (
    ("CLSSA000581", "CENTRO DE SALUD URBANO GUADALUPE DE MONCLOVA", "PRIMER NIVEL"),
    ("CLSSA002343", "CENTRO DE SALUD URBANO HÉRCULES", "PRIMER NIVEL"),
    ("CLSSA000594", "CENTRO DE SALUD URBANO MADERO", "PRIMER NIVEL"),
    ("CLSSA002192", "CENTRO ESTATAL DE ATENCIÓN AL ADULTO MAYOR", "PRIMER NIVEL"),
    ("CLSSA002932", "CENTRO ONCOLOGICO DE LA REGIÓN SURESTE DE COAHUILA", "PRIMER NIVEL"),
    ("CLSSA002895", "CENTRO REGIONAL DE DESARROLLO INFANTIL (CEREDI NUEVA ROSITA)",
     "PRIMER NIVEL"),
    ("CLSSA002471", "CISAME TORREÓN", "PRIMER NIVEL"),
    ("CLSSA002180", "MÓDULO DEL ADOLESCENTE DE MONCLOVA", "PRIMER NIVEL"),
)

PLACES = ("SAN JOSÉ", "SANTA MARÍA", "EL ROSARIO", "LA PAZ", "BENITO JUÁREZ", "EMILIANO ZAPATA",
          "GUADALUPE", "VICENTE GUERRERO", "IGNACIO ZARAGOZA", "LÁZARO CÁRDENAS",
          "MIGUEL HIDALGO", "NUEVO PROGRESO", "SAN ANTONIO", "SAN MIGUEL", "SAN PEDRO",
          "SANTA CRUZ", "LA ESPERANZA", "EL CARMEN", "LAS FLORES", "SAN FRANCISCO",
          "SANTIAGO", "SAN JUAN", "SANTA ROSA", "SAN LUCAS", "LA LIBERTAD", "EL PROGRESO",
          "LOS PINOS", "LAS PALMAS", "EL MIRADOR", "VILLA NUEVA", "LA REFORMA", "EL SALTO",
          "LA UNIÓN", "SAN ISIDRO", "SAN MARCOS", "SANTA ANA", "SAN BARTOLO", "LA GLORIA",
          "TRES RÍOS", "AGUA AZUL", "OJO DE AGUA", "PALO ALTO", "LA CEIBA", "EL ENCINO",
          "LOS ÁLAMOS", "CERRO GORDO", "LA PALMA", "RÍO BRAVO", "VALLE VERDE", "LA LOMA")
SS_KINDS_1 = ("CENTRO DE SALUD", "CENTRO DE SALUD RURAL", "CENTRO DE SALUD URBANO",
              "CASA DE SALUD", "UNIDAD MÓVIL NO.", "CENTRO AVANZADO DE ATENCIÓN PRIMARIA")
SS_KINDS_2 = ("HOSPITAL GENERAL", "HOSPITAL COMUNITARIO", "HOSPITAL INTEGRAL",
              "HOSPITAL DE LA MUJER")
SS_KINDS_3 = ("HOSPITAL REGIONAL DE ALTA ESPECIALIDAD", "INSTITUTO ESTATAL DE CANCEROLOGÍA")
IMSS_KINDS_1 = ("UMF", "UMAA")
IMSS_KINDS_2 = ("HGZ", "HGSZ", "HGZMF", "HGSMF")
IMSS_KINDS_3 = ("HE CMN", "UMAE HE")
ISSSTE_KINDS_2 = ("CLINICA HOSPITAL", "HOSPITAL GENERAL")
ISSSTE_KINDS_3 = ("HOSPITAL REGIONAL DE ALTA ESPECIALIDAD",)
PEMEX_KINDS = (("CONSULTORIO PERIFÉRICO", "PRIMER NIVEL"), ("HOSPITAL GENERAL", "SEGUNDO NIVEL"),
               ("HOSPITAL REGIONAL", "SEGUNDO NIVEL"), ("HOSPITAL CENTRAL", "TERCER NIVEL"))
