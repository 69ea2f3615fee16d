/**
 * Kinds of outpatient clinic the synthetic region is built from. These are simulation parameters, not facts:
 * which services a clinic of each kind offers (by regional code from reference/pngla-services.json), its slot
 * length, how common it is (weight, relative share of clinics) and whether it runs on a named machine/room.
 */

export interface ClinicProfile {
  key: string;
  /** branch code (reference/branches.json) */
  branch: string;
  /** label used in clinic names: "Ambulatorio <label> <n>" */
  label: string;
  /** services of the first-access agenda (regional codes) */
  first: readonly string[];
  /** services of the follow-up agenda (regional codes); empty = no follow-up agenda */
  followUp: readonly string[];
  slotMinutes: number;
  /** relative share of the region's clinics */
  weight: number;
  /** share of the weekly slots that goes to first access (the rest to follow-up) */
  firstShare: number;
  /** the clinic works on a named resource (machine or room) that gets its own org unit */
  resource?: string;
  /** slot capacity (e.g. blood-drawing points take several patients per slot) */
  capacity?: number;
  /** visits that an ALPI (intramoenia) agenda can offer at public providers */
  alpi?: boolean;
  /** some clinics of this kind also open on Saturday mornings */
  saturday?: boolean;
}

export const CLINIC_PROFILES: readonly ClinicProfile[] = [
  { key: 'card-visit', branch: '08', label: 'Cardiologia', first: ['89.7.08', '89.52'], followUp: ['89.01.08', '89.52'], slotMinutes: 30, weight: 6, firstShare: 0.65, alpi: true },
  { key: 'card-echo', branch: '08', label: 'Ecocardiografia', first: ['88.72.3'], followUp: ['88.72.3'], slotMinutes: 30, weight: 3, firstShare: 0.7 },
  { key: 'card-stress', branch: '08', label: 'Holter e test da sforzo', first: ['89.50', '89.41', '89.44'], followUp: ['89.50'], slotMinutes: 30, weight: 2, firstShare: 0.75 },
  { key: 'vasc', branch: '14', label: 'Chirurgia vascolare', first: ['89.7.14', '88.73.5', '88.77.2'], followUp: ['88.73.5', '88.77.2'], slotMinutes: 30, weight: 3, firstShare: 0.7, alpi: true },
  { key: 'endo', branch: '19', label: 'Endocrinologia', first: ['89.7.19', '88.71.4'], followUp: ['89.01.19'], slotMinutes: 30, weight: 3, firstShare: 0.6, alpi: true },
  { key: 'neuro', branch: '32', label: 'Neurologia', first: ['89.13.32'], followUp: ['89.01.32'], slotMinutes: 30, weight: 3, firstShare: 0.6, alpi: true },
  { key: 'neuro-emg', branch: '32', label: 'Neurofisiologia', first: ['93.08.1.1', '93.08.1.2', '93.08.1.3', '93.08.1.4', '93.08.1.5', '93.08.1.6', '89.14'], followUp: ['89.14'], slotMinutes: 30, weight: 2, firstShare: 0.8 },
  { key: 'ocul', branch: '34', label: 'Oculistica', first: ['95.02.34', '95.11'], followUp: ['95.11'], slotMinutes: 20, weight: 5, firstShare: 0.7, alpi: true },
  { key: 'orto', branch: '36', label: 'Ortopedia', first: ['89.7.36'], followUp: ['89.01.36'], slotMinutes: 20, weight: 5, firstShare: 0.6, alpi: true },
  { key: 'gine', branch: '37', label: 'Ginecologia', first: ['89.26.37', '88.78.2'], followUp: ['88.78.2'], slotMinutes: 30, weight: 3, firstShare: 0.7, alpi: true },
  { key: 'ostetr', branch: '37', label: 'Ecografia ostetrica', first: ['88.78'], followUp: ['88.78'], slotMinutes: 30, weight: 2, firstShare: 0.7 },
  { key: 'orl', branch: '38', label: 'Otorinolaringoiatria', first: ['89.7.38', '95.41.1'], followUp: ['95.41.1'], slotMinutes: 20, weight: 3, firstShare: 0.7, alpi: true },
  { key: 'uro', branch: '43', label: 'Urologia', first: ['89.7.43'], followUp: ['89.7.43'], slotMinutes: 20, weight: 3, firstShare: 0.7, alpi: true },
  { key: 'derm', branch: '52', label: 'Dermatologia', first: ['89.7.52'], followUp: ['89.7.52'], slotMinutes: 20, weight: 4, firstShare: 0.75, alpi: true },
  { key: 'fisiat', branch: '56', label: 'Fisiatria', first: ['89.7.56'], followUp: ['89.7.56'], slotMinutes: 30, weight: 3, firstShare: 0.75 },
  { key: 'gastro-visit', branch: '58', label: 'Gastroenterologia', first: ['89.7.58'], followUp: ['89.7.58'], slotMinutes: 30, weight: 2, firstShare: 0.7, alpi: true },
  { key: 'endoscopy', branch: '58', label: 'Endoscopia digestiva', first: ['45.23', '45.42', '45.24', '45.13', '45.16'], followUp: ['45.23', '45.13'], slotMinutes: 45, weight: 3, firstShare: 0.8, resource: 'Sala endoscopica' },
  { key: 'onco', branch: '64', label: 'Oncologia', first: ['89.7.64'], followUp: ['89.7.64'], slotMinutes: 30, weight: 2, firstShare: 0.5 },
  { key: 'pneumo', branch: '68', label: 'Pneumologia', first: ['89.7.68', '89.37.1', '89.37.2'], followUp: ['89.37.1', '89.37.2'], slotMinutes: 30, weight: 3, firstShare: 0.65, alpi: true },
  { key: 'rad-mammo', branch: '69', label: 'Senologia', first: ['87.37.1', '87.37.2', '88.73.1', '88.73.2'], followUp: ['87.37.1', '88.73.1'], slotMinutes: 20, weight: 3, firstShare: 0.8, resource: 'Mammografo' },
  {
    key: 'rad-ct', branch: '69', label: 'TC', slotMinutes: 20, weight: 4, firstShare: 0.85, resource: 'TC', saturday: true,
    first: ['87.41', '87.41.1', '88.01.1', '88.01.2', '88.01.3', '88.01.4', '88.01.5', '88.01.6', '87.03', '87.03.1', '88.38.1.1', '88.38.1.2', '88.38.1.3', '88.38.2.1', '88.38.2.2', '88.38.2.3', '88.38.5'],
    followUp: ['87.41', '87.41.1', '88.01.5', '88.01.6'],
  },
  { key: 'rad-mri', branch: '69', label: 'Risonanza magnetica', first: ['88.91.1', '88.91.2', '88.95.4', '88.95.5', '88.93', '88.93.1'], followUp: ['88.91.1', '88.91.2'], slotMinutes: 30, weight: 3, firstShare: 0.85, resource: 'RM', saturday: true },
  { key: 'rad-us', branch: '69', label: 'Ecografia', first: ['88.71.4', '88.74.1', '88.75.1', '88.76.1'], followUp: ['88.74.1', '88.76.1'], slotMinutes: 20, weight: 6, firstShare: 0.8 },
  { key: 'lab', branch: 'LAB', label: 'Punto prelievi', first: ['90.62.2', '90.27.1', '90.16.3', '90.42.1'], followUp: [], slotMinutes: 10, weight: 2, firstShare: 1, capacity: 4 },
];

/**
 * Groups of clinic kinds that the region plan deliberately under-supplies in some ATS (their clinics are scaled
 * by a factor < 1, the freed clinics go to the other kinds), so that waits differ by service and area.
 */
export const SHORTAGE_GROUPS: readonly { name: string; profiles: readonly string[] }[] = [
  { name: 'ecografia', profiles: ['rad-us'] },
  { name: 'risonanza magnetica', profiles: ['rad-mri'] },
  { name: 'visita endocrinologica', profiles: ['endo'] },
  { name: 'visita dermatologica', profiles: ['derm'] },
  { name: 'oculistica', profiles: ['ocul'] },
];
