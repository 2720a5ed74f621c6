/**
 * A phone country hint from the time zone a person chose (OnceHub sends the booking customer's IANA
 * zone). A zone gives a hint only when its name determines one country: the zone is named after a
 * city, and people elsewhere pick their own city's zone (a Dane picks Europe/Copenhagen, not
 * Europe/Berlin), so "Europe/Berlin" → DE, "America/New_York" → US. Zones that name no single
 * country ("UTC", "Etc/GMT+5", "US/Eastern" is fine but "EST5EDT" is not) and any zone not listed
 * give none: the account's default country then applies (identity rule 1). A hint only helps parse
 * a number written without its country code; it never overrides a "+" prefix.
 */
const ZONE_COUNTRY: Readonly<Record<string, string>> = {
  // Americas
  'America/New_York': 'US', 'America/Chicago': 'US', 'America/Denver': 'US', 'America/Los_Angeles': 'US',
  'America/Phoenix': 'US', 'America/Anchorage': 'US', 'America/Detroit': 'US', 'America/Boise': 'US',
  'America/Indiana/Indianapolis': 'US', 'America/Kentucky/Louisville': 'US', 'Pacific/Honolulu': 'US',
  'America/Toronto': 'CA', 'America/Vancouver': 'CA', 'America/Edmonton': 'CA', 'America/Winnipeg': 'CA',
  'America/Halifax': 'CA', 'America/St_Johns': 'CA', 'America/Regina': 'CA',
  'America/Mexico_City': 'MX', 'America/Monterrey': 'MX', 'America/Tijuana': 'MX', 'America/Cancun': 'MX',
  'America/Sao_Paulo': 'BR', 'America/Manaus': 'BR', 'America/Fortaleza': 'BR', 'America/Recife': 'BR',
  'America/Argentina/Buenos_Aires': 'AR', 'America/Buenos_Aires': 'AR', 'America/Santiago': 'CL', 'America/Bogota': 'CO',
  'America/Lima': 'PE', 'America/Caracas': 'VE', 'America/Montevideo': 'UY', 'America/Asuncion': 'PY',
  'America/La_Paz': 'BO', 'America/Guayaquil': 'EC', 'America/Costa_Rica': 'CR', 'America/Guatemala': 'GT',
  'America/Panama': 'PA', 'America/Puerto_Rico': 'PR', 'America/Jamaica': 'JM', 'America/Santo_Domingo': 'DO',
  // Europe
  'Europe/London': 'GB', 'Europe/Dublin': 'IE', 'Europe/Lisbon': 'PT', 'Europe/Madrid': 'ES', 'Europe/Paris': 'FR',
  'Europe/Brussels': 'BE', 'Europe/Amsterdam': 'NL', 'Europe/Luxembourg': 'LU', 'Europe/Berlin': 'DE',
  'Europe/Copenhagen': 'DK', 'Europe/Oslo': 'NO', 'Europe/Stockholm': 'SE', 'Europe/Helsinki': 'FI',
  'Europe/Warsaw': 'PL', 'Europe/Prague': 'CZ', 'Europe/Vienna': 'AT', 'Europe/Budapest': 'HU',
  'Europe/Bratislava': 'SK', 'Europe/Ljubljana': 'SI', 'Europe/Zagreb': 'HR', 'Europe/Belgrade': 'RS',
  'Europe/Rome': 'IT', 'Europe/Malta': 'MT', 'Europe/Athens': 'GR', 'Europe/Sofia': 'BG', 'Europe/Bucharest': 'RO',
  'Europe/Kiev': 'UA', 'Europe/Kyiv': 'UA', 'Europe/Vilnius': 'LT', 'Europe/Riga': 'LV', 'Europe/Tallinn': 'EE',
  'Europe/Istanbul': 'TR', 'Europe/Moscow': 'RU', 'Atlantic/Reykjavik': 'IS',
  // Africa, Middle East
  'Africa/Johannesburg': 'ZA', 'Africa/Lagos': 'NG', 'Africa/Nairobi': 'KE', 'Africa/Cairo': 'EG',
  'Africa/Casablanca': 'MA', 'Africa/Accra': 'GH', 'Africa/Algiers': 'DZ', 'Africa/Tunis': 'TN',
  'Asia/Jerusalem': 'IL', 'Asia/Tel_Aviv': 'IL', 'Asia/Dubai': 'AE', 'Asia/Riyadh': 'SA', 'Asia/Qatar': 'QA',
  'Asia/Kuwait': 'KW', 'Asia/Bahrain': 'BH', 'Asia/Amman': 'JO', 'Asia/Beirut': 'LB', 'Asia/Tehran': 'IR',
  // Asia, Oceania
  'Asia/Kolkata': 'IN', 'Asia/Calcutta': 'IN', 'Asia/Karachi': 'PK', 'Asia/Dhaka': 'BD', 'Asia/Colombo': 'LK',
  'Asia/Kathmandu': 'NP', 'Asia/Shanghai': 'CN', 'Asia/Hong_Kong': 'HK', 'Asia/Taipei': 'TW', 'Asia/Tokyo': 'JP',
  'Asia/Seoul': 'KR', 'Asia/Singapore': 'SG', 'Asia/Kuala_Lumpur': 'MY', 'Asia/Jakarta': 'ID', 'Asia/Manila': 'PH',
  'Asia/Bangkok': 'TH', 'Asia/Ho_Chi_Minh': 'VN', 'Asia/Saigon': 'VN',
  'Australia/Sydney': 'AU', 'Australia/Melbourne': 'AU', 'Australia/Brisbane': 'AU', 'Australia/Perth': 'AU',
  'Australia/Adelaide': 'AU', 'Australia/Hobart': 'AU', 'Australia/Darwin': 'AU',
  'Pacific/Auckland': 'NZ',
  // Old-style names that still name one country
  'US/Eastern': 'US', 'US/Central': 'US', 'US/Mountain': 'US', 'US/Pacific': 'US', 'Canada/Eastern': 'CA',
};

export function countryOfTimeZone(zone: string | null | undefined): string | null {
  if (typeof zone !== 'string') return null;
  return Object.prototype.hasOwnProperty.call(ZONE_COUNTRY, zone) ? ZONE_COUNTRY[zone]! : null;
}
