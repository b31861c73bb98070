# ruff: noqa: E501  (one labelled text a line reads best)
"""Texts written by hand in styles the labelled corpus does not use (forum updates, thank-you notes,
form pastes, organisation announcements), with the spans a reviewer would mark under the corpus's
conventions. Each of the six parts was written before the detector saw it (first-look exact F1 0.89,
0.82, 0.81, 0.83, 0.93 and 0.88); their misses led to the rules for titles, organisation voice, event
dates, "from <drug>", surnames the CMU dictionary lists, acronyms, two-word street types, claim and Rx
numbers, dates in texts with no person in them, towns after a street. A check that rules
generalise beyond the generated corpus, not a benchmark."""

from __future__ import annotations

CASES: list[tuple[str, list[tuple[str, str]]]] = [
    (
        "Quick update for everyone praying: my husband Tomasz Wójcik had his bypass on 3/14 and is finally awake.",
        [("Tomasz Wójcik", "PERSON"), ("3/14", "DATE")],
    ),
    ("Shoutout to nurse Keisha on 4 West, she made my mom's last days bearable.", [("Keisha", "PERSON")]),
    (
        "Can someone from billing call me back? 555-867-5309, acct # 88213-0042. Thanks, Priya Raman",
        [("555-867-5309", "PHONE"), ("88213-0042", "ACCOUNT"), ("Priya Raman", "PERSON")],
    ),
    ("Grandma turned 101 last week!! Still sharp as a tack.", [("101", "AGE_OVER_89")]),
    (
        "My dad (92) fell again at the nursing home in Dubuque, nobody called us for 6 hours",
        [("92", "AGE_OVER_89"), ("Dubuque", "LOCATION")],
    ),
    ("Reminder: flu clinic Saturday 9-3, walk ins welcome, bring your insurance card #FluSeason", []),
    ("Take 500 mg twice a day with food, and call if the fever is over 101 after 48 hours.", []),
    (
        "Our team presented at ASCO 2024 in Chicago. Proud of Dr. Patel's work on immunotherapy! @ASCO",
        [("Patel", "PERSON")],
    ),
    (
        "hey its me again, the one w the knee replacement. my chart number is 00482913 and they still havent called",
        [("00482913", "MRN")],
    ),
    (
        "Please send the records to sarah.kim@gmail.com, DOB 07/22/1961",
        [("sarah.kim@gmail.com", "EMAIL"), ("07/22/1961", "DATE")],
    ),
    (
        "We moved from Tacoma to Spokane last year and my son's new pediatrician is great",
        [("Tacoma", "LOCATION"), ("Spokane", "LOCATION")],
    ),
    ("My insulin pump serial is SN4471-22-9081 and it keeps alarming", [("SN4471-22-9081", "DEVICE_ID")]),
    ("Left my car in lot C, plate 7XYZ123, ticket says I owe $40?!", [("7XYZ123", "VEHICLE_ID")]),
    ("Medicare ID 1EG4-TE5-MK73 — is this covered?", [("1EG4-TE5-MK73", "HEALTH_PLAN_ID")]),
    (
        "Ship to 4417 Maple Grove Rd, Apt 3B, Fairview, OR 97024",
        [("4417 Maple Grove Rd, Apt 3B", "ADDRESS"), ("Fairview", "LOCATION"), ("97024", "ZIP")],
    ),
    (
        "Anyone know a good cardiologist? Asking for my sister Lucía who lives in El Paso",
        [("Lucía", "PERSON"), ("El Paso", "LOCATION")],
    ),
    (
        "Happy 1st birthday to our NICU grad Mateo, born March 2 at 28 weeks!",
        [("Mateo", "PERSON"), ("March 2", "DATE")],
    ),
    ("The new wing opens in June. Visiting hours are 8am to 8pm daily.", []),
    ("Stay hydrated this summer! #HeatSafety #StayCool", []),
    ("SSN 123-45-6789 was on the form I uploaded by mistake, can you delete it", [("123-45-6789", "SSN")]),
    ("login issues from 192.168.14.22 since this morning", [("192.168.14.22", "IP")]),
    ("see my gofundme at gofundme.com/f/help-for-jamal", [("gofundme.com/f/help-for-jamal", "URL")]),
    ("RN license RN8842117 expired, how do I renew?", [("RN8842117", "LICENSE")]),
    (
        "Mrs. Okonkwo in room 12 asked for her daughter Adaeze to be called",
        [("Okonkwo", "PERSON"), ("Adaeze", "PERSON")],
    ),
    ("We are proud to welcome Dr. Hannah Berg to our orthopedics team.", [("Hannah Berg", "PERSON")]),
    ("Our 2023 annual report is out. 12,000 patients served across 14 clinics.", []),
    ("COVID boosters available for ages 65+ starting Monday.", []),
    ("I was diagnosed with lupus in 2019 and I'm doing better now.", []),
    (
        "Can I get my results? My name is Bartholomew Nkemelu, date of birth 2 Feb 1958",
        [("Bartholomew Nkemelu", "PERSON"), ("2 Feb 1958", "DATE")],
    ),
    ("Thank you Jennifer and the whole 5th floor team for taking care of Pop", [("Jennifer", "PERSON")]),
    ("The Governor announced new funding for rural hospitals today.", []),
    (
        "Call our scheduling line at (800) 555-0199 or visit www.example-health.org",
        [("(800) 555-0199", "PHONE"), ("www.example-health.org", "URL")],
    ),
    (
        "Policy #: XJH-449-20188 for Aetna, subscriber Maria Gonzalez",
        [("XJH-449-20188", "HEALTH_PLAN_ID"), ("Maria Gonzalez", "PERSON")],
    ),
    ("took my 8yo to urgent care yesterday, waited 3 hrs", []),
    ("Great lecture by Atul Gawande says our CMO", []),
    (
        "my neighbor Earl Whitfield is 96 and still mows his own lawn",
        [("Earl Whitfield", "PERSON"), ("96", "AGE_OVER_89")],
    ),
    ("Appt confirmed for Tues Oct 14 at 10:30 with Dr. Nguyen", [("Oct 14", "DATE"), ("Nguyen", "PERSON")]),
    ("MRN: A00993817 — please merge duplicate charts", [("A00993817", "MRN")]),
    ("Donate blood this Friday! Every pint helps up to 3 people.", []),
    ("Our address is 200 Hospital Drive, Suite 100.", [("200 Hospital Drive, Suite 100", "ADDRESS")]),
    (
        "Feeling blessed. Baby Amara arrived 11/02 weighing 7 lbs 4 oz",
        [("Amara", "PERSON"), ("11/02", "DATE")],
    ),
    ("VIN 1HGCM82633A004352 was in the accident report they faxed", [("1HGCM82633A004352", "VEHICLE_ID")]),
    ("Pacemaker serial # PJN448192K recalled? Got a letter today.", [("PJN448192K", "DEVICE_ID")]),
    ("Does Medicaid cover dental for kids under 21?", []),
    ("Our pharmacy is open 24/7 at the Elm Street entrance.", []),
    ("Is 2 tablets of 200mg ibuprofen every 6 hours ok?", []),
    ("Love seeing @DrJaneSmith on the news talking about vaccines", []),
    (
        "Spoke with Kwame from patient relations, he said to email records@stmarys.org",
        [("Kwame", "PERSON"), ("records@stmarys.org", "EMAIL")],
    ),
    (
        "ok so update on dad: surgeon (dr reyes) says the tumor came out clean!! home by friday hopefully",
        [("reyes", "PERSON")],
    ),
    (
        "To whoever found a blue wallet in the ER waiting room Tuesday night, it belongs to Marcus Dlamini, pls call 312-555-0187",
        [("Marcus Dlamini", "PERSON"), ("312-555-0187", "PHONE")],
    ),
    ("Our hearts go out to the families affected by the tornado in Moore.", []),
    ("Member ID: W2849 11873, group 00482 — claim keeps getting denied", [("W2849 11873", "HEALTH_PLAN_ID")]),
    (
        "Great visit today. Thanks Dr. Olamide Adeyemi and nurse Becca!",
        [("Olamide Adeyemi", "PERSON"), ("Becca", "PERSON")],
    ),
    (
        "Mammograms save lives. Schedule yours today: 1-800-555-0142 #BreastCancerAwareness",
        [("1-800-555-0142", "PHONE")],
    ),
    ("My 94 year old grandmother got her first covid shot today and she's fine!", [("94", "AGE_OVER_89")]),
    (
        "we live at 88 Birch Hollow Lane, Apt 2 in Marietta and the home health nurse never showed",
        [("88 Birch Hollow Lane, Apt 2", "ADDRESS"), ("Marietta", "LOCATION")],
    ),
    ("Reminder that our offices close at 5pm on Dec 24 and reopen Dec 26.", []),
    (
        "Hi, this is Svetlana Petrova, I had an MRI on 9/28 and haven't gotten results",
        [("Svetlana Petrova", "PERSON"), ("9/28", "DATE")],
    ),
    ("New study: walking 30 minutes a day cuts heart disease risk by 20%.", []),
    (
        "Can you fax my records to 415-555-0123? DOB 12-03-1949",
        [("415-555-0123", "PHONE"), ("12-03-1949", "DATE")],
    ),
    (
        "IMEI 356938035643809 on my glucose monitor phone, is that needed for the app?",
        [("356938035643809", "DEVICE_ID")],
    ),
    ("Our own Nurse Practitioner Dana Whitaker was named Nurse of the Year!", [("Dana Whitaker", "PERSON")]),
    ("Ask your doctor if statins are right for you.", []),
    (
        "my email is bigtruckdave77@yahoo.com if anyone has advice on dialysis centers near Joliet",
        [("bigtruckdave77@yahoo.com", "EMAIL"), ("Joliet", "LOCATION")],
    ),
    (
        "Patient: Hiroshi Tanaka, 91, admitted 2/3/2024 w/ pneumonia",
        [("Hiroshi Tanaka", "PERSON"), ("91", "AGE_OVER_89"), ("2/3/2024", "DATE")],
    ),
    ("Happy Nurses Week to all our amazing staff!", []),
    ("The clinic on 5th Avenue is closed for renovations until spring.", []),
    ("my sons doctor said his iron is low, take 325 mg ferrous sulfate daily?", []),
    ("Invoice #INV-20931 still shows a balance even though I paid", [("INV-20931", "ACCOUNT")]),
    (
        "Prayers for my coworker Deshawn who was in a bad car wreck on I-95 last night",
        [("Deshawn", "PERSON")],
    ),
    ("I'm 32 and just got diagnosed with MS. Scared.", []),
    ("Tag your favorite nurse in the comments! #NursesWeek", []),
    (
        "Driver's license D1234-56789-01 and insurance card attached to the portal",
        [("D1234-56789-01", "LICENSE")],
    ),
    ("ICYMI: our CEO joined the panel at HLTH in Las Vegas this week.", []),
    (
        "Loved the care my wife Ingrid received in the maternity ward. Baby Oskar is perfect",
        [("Ingrid", "PERSON"), ("Oskar", "PERSON")],
    ),
    (
        "Visit https://mychart.example.org to book, or call (617) 555-0100.",
        [("https://mychart.example.org", "URL"), ("(617) 555-0100", "PHONE")],
    ),
    ("our daughter Chloe (3) has a fever of 102, should we go to the ER?", [("Chloe", "PERSON")]),
    ("Join us Saturday for a free health fair at Lincoln Park, 10am-2pm", []),
    ("He was born 04/17/1931, making him 93 next month", [("04/17/1931", "DATE"), ("93", "AGE_OVER_89")]),
    ("My license plate is KLM 4821 and I got towed from the garage??", [("KLM 4821", "VEHICLE_ID")]),
    (
        "Sharing for a friend: Rosa Delgado needs a kidney donor, type O+, she lives in Fresno",
        [("Rosa Delgado", "PERSON"), ("Fresno", "LOCATION")],
    ),
    ("WHO says measles cases up 30% globally in 2024", []),
    ("Beneficiary number 7AB3-CD4-EF56 was rejected by the pharmacy", [("7AB3-CD4-EF56", "HEALTH_PLAN_ID")]),
    (
        "My grandson Tyler visited me at Sunrise Assisted Living in Boca Raton",
        [("Tyler", "PERSON"), ("Boca Raton", "LOCATION")],
    ),
    ("Free parking in Garage B for patients with a validated ticket.", []),
    ("Dosing: 0.5 mg weekly for 4 weeks then 1 mg", []),
    (
        "Day 14 in the ICU with my brother Dmitri. Docs say the next 48 hrs are critical. Please pray.",
        [("Dmitri", "PERSON")],
    ),
    (
        "Anyone else get a bill for $2,400 after an ER visit at Mercy? Acct no. 77120-4431",
        [("77120-4431", "ACCOUNT")],
    ),
    ("Excited to announce our new pediatric wing opens March 3rd! Tours at 10am and 2pm.", []),
    (
        "Hi, I'm Gwendolyn Achterberg, my father passed on 6/21/2023 and I need his records",
        [("Gwendolyn Achterberg", "PERSON"), ("6/21/2023", "DATE")],
    ),
    (
        "My grandmother, Ruth Ellen Pike, 99, from Bozeman, finally got her hip done",
        [("Ruth Ellen Pike", "PERSON"), ("99", "AGE_OVER_89"), ("Bozeman", "LOCATION")],
    ),
    ("Tip: keep a list of your meds and doses, e.g. lisinopril 10 mg daily.", []),
    (
        "pls update my address to 1530 Quarry Ridge Ct, Lawrence KS 66049",
        [("1530 Quarry Ridge Ct", "ADDRESS"), ("Lawrence", "LOCATION"), ("66049", "ZIP")],
    ),
    ("The CDC recommends RSV vaccines for adults 75 and older.", []),
    ("shoutout to the night nurse Alejandro who sat with my mom at 3am", [("Alejandro", "PERSON")]),
    ("Fax: 312.555.0177 | Records dept, 3rd floor", [("312.555.0177", "PHONE")]),
    ("Our 5K for cancer research raised $48,000! Thanks to all 600 runners.", []),
    (
        "Patient portal username: jdoe_1962, password reset not working, DOB 1962-08-30",
        [("1962-08-30", "DATE")],
    ),
    (
        "My twins were born at 31 weeks on Feb 9, 2021 and spent 40 days in the NICU",
        [("Feb 9, 2021", "DATE")],
    ),
    ("Is it normal for a CPAP (serial 23041178KX) to leak this much?", [("23041178KX", "DEVICE_ID")]),
    (
        "Welcome Dr. Aisha Rahman, our new endocrinologist, now seeing patients in Westbrook!",
        [("Aisha Rahman", "PERSON")],
    ),
    ("had my colonoscopy today, 10/10 would not recommend the prep lol", []),
    ("My husband is 91 and the home care agency keeps sending different aides", [("91", "AGE_OVER_89")]),
    ("Seasonal allergies? Try rinsing with saline twice a day.", []),
    (
        "Can someone call Mrs. Fitzgerald back at 208-555-0163 about her biopsy?",
        [("Fitzgerald", "PERSON"), ("208-555-0163", "PHONE")],
    ),
    (
        "We're hiring nurses in Tucson and Phoenix! Apply at careers.desertcare.org",
        [("careers.desertcare.org", "URL")],
    ),
    (
        "Name: Oluwaseun Bakare\nDOB: 05/30/1944\nPhone: 773-555-0110\nReason: refill",
        [("Oluwaseun Bakare", "PERSON"), ("05/30/1944", "DATE"), ("773-555-0110", "PHONE")],
    ),
    (
        "URGENT!!! MY MOTHER CARMEN RUIZ IS IN THE ER AT ST JOSEPH AND NOBODY WILL TELL US ANYTHING",
        [("CARMEN RUIZ", "PERSON")],
    ),
    ('lol my doc literally said "just lose weight" 🙄 #fatphobia', []),
    ("Thx for the quick reply! my claim # is CLM-2024-558812", [("CLM-2024-558812", "ACCOUNT")]),
    ("Mi abuela Dolores tiene 93 años y la atendieron muy bien, gracias", [("Dolores", "PERSON")]),
    (
        'In loving memory of Harold "Hal" Jennings, who passed away peacefully on January 9th.',
        [("Harold", "PERSON"), ("Jennings", "PERSON"), ("January 9th", "DATE")],
    ),
    ("Heat advisory in effect through Thursday. Check on elderly neighbors!", []),
    ("My kid's school nurse, Ms. Park, caught the rash early. Bless her.", [("Park", "PERSON")]),
    ("RX# 6612093 ready for pickup? I'm at the Walgreens on Main", [("6612093", "ACCOUNT")]),
    (
        "The 2nd annual Heart Walk is Sept 21 at Riverside Park. Register at heartwalk.org",
        [("heartwalk.org", "URL")],
    ),
    (
        "Need a note for work: Jamal Washington, seen 8/14 for a sprained ankle",
        [("Jamal Washington", "PERSON"), ("8/14", "DATE")],
    ),
    (
        "anyone know if dr. kowalczyk at the spine center is good? my back is killing me",
        [("kowalczyk", "PERSON")],
    ),
    ("We celebrated Grandpa Joe's 100th birthday at Sunrise Senior Living today!", [("Joe", "PERSON")]),
    ("Our stroke team hit a door-to-needle time of 28 minutes this quarter.", []),
    ("Patient #A-77812-C called twice about her biopsy, pls call back", [("A-77812-C", "MRN")]),
    ("Got my flu shot at the Costco in Kirkland, took 5 min", [("Kirkland", "LOCATION")]),
    ("Hey Siri remind me to take my 10mg at 9pm", []),
    (
        "tiffany.nguyen88@outlook.com is my new email, please update my chart",
        [("tiffany.nguyen88@outlook.com", "EMAIL")],
    ),
    (
        "My son Ezekiel has been in PICU since Oct 3. Day 12. Still intubated.",
        [("Ezekiel", "PERSON"), ("Oct 3", "DATE")],
    ),
    ("Medicare Part D enrollment ends Dec 7. Questions? Call 1-800-MEDICARE.", []),
    ("Sending love to Aunt Bev who starts chemo Monday at Dana-Farber 💜", [("Bev", "PERSON")]),
    ("Q: my husband's A1C is 9.2 — is that bad? He's 58.", []),
    (
        "Huge thanks to Dr. Marisol Ortega-Vance and the 6 North nurses!!",
        [("Marisol Ortega-Vance", "PERSON")],
    ),
    ("FYI the lab at 2200 Kirkwood Hwy closes early on Fridays", [("2200 Kirkwood Hwy", "ADDRESS")]),
    (
        "my address on file is wrong, should be 45 Pine Street #3, Burlington VT 05401",
        [("45 Pine Street #3", "ADDRESS"), ("Burlington", "LOCATION"), ("05401", "ZIP")],
    ),
    (
        "Does anyone have experience with Dr. Yusuf at Kaiser Oakland? My daughter Leila needs an ortho",
        [("Yusuf", "PERSON"), ("Oakland", "LOCATION"), ("Leila", "PERSON")],
    ),
    ("1 in 8 women will be diagnosed with breast cancer. Get screened.", []),
    ("I was born on 2/29/1932 so technically I'm only 23 lol", [("2/29/1932", "DATE")]),
    (
        "Group number 884120, subscriber ID ZXW902113557 - why was my claim denied",
        [("884120", "HEALTH_PLAN_ID"), ("ZXW902113557", "HEALTH_PLAN_ID")],
    ),
    ("Live in Fargo? Our mobile mammography unit visits Oct 12-14.", []),
    (
        "caring for my wife Noor after her stroke, we're in Dearborn, any support groups?",
        [("Noor", "PERSON"), ("Dearborn", "LOCATION")],
    ),
    (
        "Our Chief Nursing Officer, Patricia Oyelaran, DNP, RN, shares 5 tips for new grads",
        [("Patricia Oyelaran", "PERSON")],
    ),
    ("Text STOP to 55512 to unsubscribe.", []),
    ("my mychart login is mgarcia1971 and it says my account is locked", []),
    ("He's been on the transplant list since 11/2021, we live in Toledo", [("Toledo", "LOCATION")]),
    ("RIP to my grandpa Walter, 97, who beat cancer twice", [("Walter", "PERSON"), ("97", "AGE_OVER_89")]),
    ("Volunteers needed for our Thanksgiving meal delivery on Nov 27!", []),
    ("cell is 503 555 0192, text don't call, Keiko", [("503 555 0192", "PHONE"), ("Keiko", "PERSON")]),
    ("#PrayForEmma trending again, our community is amazing ❤️", []),
    ("@DrSarahKim thank you for explaining this so clearly!", []),
    (
        "Update: Mom (Gloria Estrada) moved to hospice in Yuma on Tuesday. Thank you all.",
        [("Gloria Estrada", "PERSON"), ("Yuma", "LOCATION")],
    ),
    ("Is 120/80 good for a 45 year old?", []),
    ("Been taking Jardiance 10mg for 3 months, A1C down from 8.1 to 6.9!", []),
    (
        "Our pharmacist Tomoko Hayashi answers your questions live at noon on Facebook.",
        [("Tomoko Hayashi", "PERSON")],
    ),
    ("he's 89 and still drives, should I worry?", []),
    ("My dad is 103!! Still does the crossword every morning", [("103", "AGE_OVER_89")]),
    ("appt w/ Dr. Fong on the 14th, bring insurance card + photo ID", [("Fong", "PERSON")]),
    (
        "My sister lives at 7 Harbor View Terr, Gloucester — can the visiting nurse go there?",
        [("7 Harbor View Terr", "ADDRESS"), ("Gloucester", "LOCATION")],
    ),
    ("Quick q: does Aetna cover Zepbound? member ID W123456789", [("W123456789", "HEALTH_PLAN_ID")]),
    ("World Kidney Day is March 13. Know your numbers!", []),
    (
        "My boyfriend Andre got his results back from the Mayo Clinic in Rochester yesterday",
        [("Andre", "PERSON"), ("Rochester", "LOCATION")],
    ),
    ("If you are having thoughts of suicide, call or text 988.", []),
    (
        "Reached out via email: help@cityhospital.org but no answer for 2 weeks",
        [("help@cityhospital.org", "EMAIL")],
    ),
    (
        "Please pray for baby Theo, born 3 weeks early on 9/3 and in the NICU",
        [("Theo", "PERSON"), ("9/3", "DATE")],
    ),
    ("Our Spokane clinic now offers same-day appointments.", []),
    (
        "pt states DOB 1/1/1940, lives alone in Cedar Rapids, daughter Paula visits weekly",
        [("1/1/1940", "DATE"), ("Cedar Rapids", "LOCATION"), ("Paula", "PERSON")],
    ),
]
