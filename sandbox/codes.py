"""Code lists the Stream API validates against (ISO 639-1, ISO 4217, CDP enums)."""

from __future__ import annotations

#: ISO 639-1 two-letter language codes, upper-case as CDP wants them.
LANGUAGES = frozenset(
    """
    AA AB AE AF AK AM AN AR AS AV AY AZ BA BE BG BH BI BM BN BO BR BS CA CE CH CO CR CS CU CV CY DA DE
    DV DZ EE EL EN EO ES ET EU FA FF FI FJ FO FR FY GA GD GL GN GU GV HA HE HI HO HR HT HU HY HZ IA ID
    IE IG II IK IO IS IT IU JA JV KA KG KI KJ KK KL KM KN KO KR KS KU KV KW KY LA LB LG LI LN LO LT LU
    LV MG MH MI MK ML MN MR MS MT MY NA NB ND NE NG NL NN NO NR NV NY OC OJ OM OR OS PA PI PL PS PT QU
    RM RN RO RU RW SA SC SD SE SG SI SK SL SM SN SO SQ SR SS ST SU SV SW TA TE TG TH TI TK TL TN TO TR
    TS TT TW TY UG UK UR UZ VE VI VO WA WO XH YI YO ZA ZH ZU
    """.split()  # noqa: SIM905  (a compact code table reads better than one literal per line)
)

#: ISO 4217 alphabetic currency codes (active codes plus funds and precious-metal codes).
CURRENCIES = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN
    BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD
    FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HRK HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS
    KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN
    MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR
    SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD
    USN UYI UYU UYW UZS VED VES VND VUV WST XAF XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF XPT XSU
    XTS XUA XXX YER ZAR ZMW ZWG ZWL
    """.split()  # noqa: SIM905  (a compact code table reads better than one literal per line)
)

#: Stream ``channel`` names: the documented Stream examples, the Batch/REST order enum and EMAIL [K].
CHANNELS = frozenset(
    {
        "WEB", "MOBILE_WEB", "MOBILE_APP", "EMAIL", "AIRPORT_KIOSK", "BRANCH", "CALL_CENTER", "GDS",
        "KIOSK", "OFFLINE", "OTA", "OTHER",
    }
)  # fmt: skip

#: CHECKOUT ``status`` (and ORDER_CHECKOUT ``order.status``) values [C].
CHECKOUT_STATUSES = frozenset({"PURCHASED", "PAYMENT_PENDING", "CONFIRMED", "CANCELLED", "REFUNDED"})

#: ORDER_CHECKOUT ``cardType`` values [C].
CARD_TYPES = frozenset({"Mastercard", "Visa", "Diners", "American Express"})

#: Order-item types CDP refuses outside the travel model (REST v2.1 list, applied to ORDER_CHECKOUT).
FORBIDDEN_ITEM_TYPES = frozenset(
    {"FLIGHT", "HOTEL", "MORTGAGE", "MORTGAGE_APPLICATION", "LOAN_APPLICATION", "PERSONAL_LOAN", "RAIL"}
)

#: Event types the sandbox interprets; any other upper-case name is a plain (custom) event.
ORDER_EVENT_TYPES = frozenset(
    {"IDENTITY", "ADD", "ADD_CONTACTS", "ADD_CONSUMERS", "CONFIRM", "CHECKOUT", "PAYMENT", "CLEAR_CART",
     "ORDER_CHECKOUT", "FORCE_CLOSE"}
)  # fmt: skip
