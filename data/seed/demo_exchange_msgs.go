package seed

import "time"

// demoAuthorPrefix starts the author of every message of the demo
// exchange. A real author is an actor of the service ("user:…",
// "token:…"), so the prefix also tells the demo's messages apart when a
// new run replaces them.
const demoAuthorPrefix = "synthetic: "

// demoTextPrefix starts the text of every message of the demo exchange.
const demoTextPrefix = "[synthetic] "

// The desks of the real Border Liaison Offices (and their partners across
// the border) that write the demo's messages.
const (
	deskPanj   = "BLO Nizhny Panj (Panji Poyon) BCP, duty officer"
	deskIshk   = "BLO Ishkashim BCP, duty officer"
	deskKyzyl  = "BLO Kyzyl-Art BCP, duty officer"
	deskShk    = "Sher Khan Bandar BLO desk, Afghan Border Police"
	deskHai    = "Hairatan BLO desk, Afghan Border Police"
	deskAfIshk = "Ishkashim BLO desk, Afghan Border Police"
	deskAyr    = "BLO Ayritom BCP (Termez), duty officer"
	deskBor    = "BLO Bor-Dobo BCP, duty officer"
	deskDCA    = "Drug Control Agency, Kulob regional office"
)

// The reference crossings the messages are about, by the start of their
// names (data/ref/crossings.csv).
const (
	crossPanj   = "Tajik-Afghan bridge at Panji Poyon"
	crossTermez = "Afghanistan-Uzbekistan Friendship Bridge"
	crossIshk   = "Ishkoshim (Ishkashim) bridge"
	crossKyzyl  = "Kyzyl-Art pass"
)

// demoMsg is one message of the demo exchange. A message that starts a
// thread is sent at long before now; a reply at after the message it
// answers was sent, to that message's author. Delays (at of a reply,
// read, ack) are stretched by the seed's jitter of ±20 %.
type demoMsg struct {
	ref, kind, urgency string
	from, desk         string
	to, toDesk         string // empty for a reply
	replyTo            string
	crossing           string
	subjects           []string // refs of demo entities
	at                 time.Duration
	valid              time.Duration // lookouts: valid this long from sending
	read, ack          time.Duration // after delivery; 0: not (yet)
	text               string
}

// demoHitLookout is the ref of the lookout the partner's record hits.
const demoHitLookout = "kamaz-bolo"

// demoMessages is the synthetic exchange between the BLO pairs that have
// agreements in the demo, oldest thread first. demoHitReply answers
// demoHitLookout after the hit.
var demoMessages = []demoMsg{
	{ref: "abdulloev-flash", kind: "lookout", urgency: "flash", from: "tj-border", desk: deskPanj, to: "af-border", toDesk: deskShk,
		crossing: crossPanj, subjects: []string{"abdulloev", "group"}, at: 14 * 24 * time.Hour, valid: 48 * time.Hour,
		read: 4 * time.Minute, ack: 9 * time.Minute,
		text: "FLASH BOLO. Subject ABDULLOEV Farhod (Абдуллоев Фарҳод), b. 1984, TJK passport 400000017, believed to lead " +
			"the Kulob–Sher Khan network. Source reports he will cross Sher Khan Bandar to Panji Poyon within 48 h, possibly " +
			"as a passenger in a cargo truck. Request Sher Khan Bandar check outbound manifests and passenger lists and " +
			"inform this BLO at once. Do not approach."},
	{ref: "abdulloev-reply", kind: "reply", from: "af-border", desk: deskShk, replyTo: "abdulloev-flash",
		at: 20 * time.Hour, read: 35 * time.Minute,
		text: "Ref. your FLASH BOLO on ABDULLOEV F.: manifests and passenger lists at Sher Khan Bandar checked for the " +
			"last 72 h, no trace of the subject. Shift commanders briefed; the lookout stays on our board until it expires."},
	{ref: "nexia-bolo", kind: "lookout", urgency: "routine", from: "uz-border", desk: deskAyr, to: "af-border", toDesk: deskHai,
		crossing: crossTermez, subjects: []string{"nexia", "xojayev"}, at: 10 * 24 * time.Hour, valid: 5 * 24 * time.Hour,
		read: 14 * time.Hour, ack: 15 * time.Hour,
		text: "BOLO (routine). White Chevrolet Nexia, UZB plate 01 A 123 BC, registered keeper XOʻJAYEV Sardor, b. 1990. " +
			"Suspected of collecting small heroin consignments from couriers on the Hairatan side and moving them through " +
			"Termez. Please report any crossing of the vehicle or sighting of the keeper at Hairatan port."},
	{ref: "nexia-rfi", kind: "rfi", urgency: "routine", from: "af-border", desk: deskHai, to: "uz-border", toDesk: deskAyr,
		crossing: crossTermez, subjects: []string{"nexia"}, at: 8 * 24 * time.Hour, read: 2 * time.Hour,
		text: "Request for information. Ref. your BOLO on Nexia 01 A 123 BC: the Hairatan gate log shows no such plate. " +
			"Please send the dates and times the vehicle passed Ayritom BCP outbound in the last 30 days, and whether it " +
			"travelled empty, so that we can check the truck convoys of the same hours."},
	{ref: "nexia-reply", kind: "reply", from: "uz-border", desk: deskAyr, replyTo: "nexia-rfi", at: 26 * time.Hour, read: time.Hour,
		text: "Reply to your RFI. Ayritom records show 01 A 123 BC outbound 3 times in 30 days, each time on a Tuesday " +
			"between 06:00 and 07:30, driver alone, vehicle empty at inspection. The crossings coincide with fuel convoys " +
			"from Hairatan. Details follow through the liaison channel."},
	{ref: "trailer-rfi", kind: "rfi", urgency: "routine", from: "af-border", desk: deskShk, to: "tj-border", toDesk: deskPanj,
		crossing: crossPanj, at: 7 * 24 * time.Hour, read: 3 * time.Hour,
		text: "Request for information. Afghan customs at Sher Khan Bandar hold a manifest for trailer TRL-55214, declared " +
			"as 20 t of wheat flour, consignee in Kunduz. Did Panji Poyon clear this trailer outbound in the last 14 days? " +
			"Please send the tractor unit's plate and the date of clearance."},
	{ref: "trailer-reply", kind: "reply", from: "tj-border", desk: deskPanj, replyTo: "trailer-rfi", at: 22 * time.Hour,
		read: 50 * time.Minute,
		text: "Reply to your RFI on TRL-55214: cleared Panji Poyon outbound 6 days ago at 11:40, towed by a grey KAMAZ 5320, " +
			"TJK plate 4521 AB 03. Load seen as flour sacks; not X-rayed at the time. We recommend a full inspection if it returns."},
	{ref: "trailer-thanks", kind: "reply", from: "af-border", desk: deskShk, replyTo: "trailer-reply", at: 5 * time.Hour,
		read: 30 * time.Minute,
		text: "Thank you. Trailer and tractor unit are on our watch list at Sher Khan Bandar; we will issue a lookout if " +
			"they are seen heading north."},
	{ref: "pass-closed", kind: "notice", urgency: "routine", from: "kg-border", desk: deskBor, to: "tj-border", toDesk: deskKyzyl,
		crossing: crossKyzyl, at: 6 * 24 * time.Hour, read: time.Hour, ack: 65 * time.Minute,
		text: "Notice. Kyzyl-Art pass closed to all traffic from 18:00 today for avalanche clearance on the Bor-Dobo " +
			"approach, expected to reopen in 36 h. Trucks are held at Bor-Dobo; please hold northbound traffic at Kyzyl-Art."},
	{ref: "held-trucks-rfi", kind: "rfi", urgency: "routine", from: "tj-border", desk: deskKyzyl, to: "kg-border", toDesk: deskBor,
		crossing: crossKyzyl, at: 5 * 24 * time.Hour, read: 2 * time.Hour,
		text: "Request for information. During the closure, please send the list of trucks held at Bor-Dobo on Tajik " +
			"plates, with their declared loads. Two of them are of interest to the Murghab detachment."},
	{ref: "held-trucks-reply", kind: "reply", from: "kg-border", desk: deskBor, replyTo: "held-trucks-rfi", at: 9 * time.Hour,
		read: 40 * time.Minute,
		text: "Reply: 14 trucks held at Bor-Dobo, 5 of them on Tajik plates, all declared as coal or cement. The list " +
			"follows through the liaison channel; nothing abnormal on X-ray."},
	{ref: "market-closed", kind: "notice", urgency: "routine", from: "af-border", desk: deskAfIshk, to: "tj-border", toDesk: deskIshk,
		crossing: crossIshk, at: 3 * 24 * time.Hour, read: 5 * time.Hour,
		text: "Notice. The Saturday cross-border market at Ishkashim bridge is cancelled this week by decision of the " +
			"provincial authorities. Expect more foot traffic at the bridge on Sunday."},
	{ref: "rail-inspection", kind: "notice", urgency: "routine", from: "af-border", desk: deskHai, to: "uz-border", toDesk: deskAyr,
		crossing: crossTermez, at: 2 * 24 * time.Hour,
		text: "Notice. Hairatan rail terminal will be closed for a joint inspection from 06:00 to 14:00 on Thursday; " +
			"wagons bound for Termez will be held on the Afghan side."},
	{ref: "flour-bolo", kind: "lookout", urgency: "urgent", from: "tj-dca", desk: deskDCA, to: "tj-border", toDesk: deskPanj,
		crossing: crossPanj, subjects: []string{"abdulloev", "flour"}, at: 36 * time.Hour, valid: 7 * 24 * time.Hour,
		read: 25 * time.Minute, ack: 40 * time.Minute,
		text: "URGENT BOLO (national). ABDULLOEV Farhod is expected to escort a consignment of flour sacks (trailer " +
			"TRL-55214) southbound to Panji Poyon within 5 days. Operational information suggests heroin in false-bottomed " +
			"sacks. Request a full inspection and immediate notice to DCA Kulob."},
	{ref: demoHitLookout, kind: "lookout", urgency: "urgent", from: "af-border", desk: deskShk, to: "tj-border", toDesk: deskPanj,
		crossing: crossPanj, subjects: []string{"kamaz-af"}, at: 20 * time.Hour, valid: 72 * time.Hour,
		read: 30 * time.Minute, ack: 45 * time.Minute,
		text: "URGENT BOLO. Grey KAMAZ 5320, TJK plate 4521 AB 03, loaded at a Kunduz warehouse last night and cleared " +
			"Sher Khan Bandar northbound at 06:10, before our information arrived. Suspected to carry opiates under a flour " +
			"load. Request Panji Poyon stop and search the vehicle on arrival and inform this desk."},
	{ref: "qodirov-bolo", kind: "lookout", urgency: "urgent", from: "tj-border", desk: deskIshk, to: "af-border", toDesk: deskAfIshk,
		crossing: crossIshk, subjects: []string{"qodirov"}, at: 5 * time.Hour, valid: 4 * 24 * time.Hour,
		text: "URGENT BOLO. QODIROV Jamshed (Қодиров Ҷамшед, also written Kadyrov), b. 1979, an associate of ABDULLOEV, " +
			"is believed to be on the Afghan side near Ishkashim arranging a hashish consignment. He may cross on foot at " +
			"Ishkashim bridge. Please confirm receipt and report any sighting."},
	{ref: "xojayev-flash", kind: "lookout", urgency: "flash", from: "uz-border", desk: deskAyr, to: "af-border", toDesk: deskHai,
		crossing: crossTermez, subjects: []string{"xojayev"}, at: 70 * time.Minute, valid: 24 * time.Hour,
		read: 3 * time.Minute, ack: 6 * time.Minute,
		text: "FLASH BOLO. XOʻJAYEV Sardor (Хўжаев Сардор), b. 1990, UZB passport AA0000042, left Termez for the " +
			"Friendship Bridge 30 minutes ago as a passenger in a fuel tanker. Request Hairatan hold him for questioning " +
			"on arrival and inform Ayritom BLO."},
}

// demoHitPlate is how Panji Poyon writes the plate of demoHitLookout's
// truck: with the Cyrillic letters А and В.
const demoHitPlate = "4521 АВ 03"

// demoHitReply is Panji Poyon's answer to demoHitLookout once its record
// of the truck has hit it; it is sent through the service's own path.
const demoHitReply = "Ref. your URGENT BOLO on KAMAZ 4521 AB 03: the truck, recorded here as " + demoHitPlate +
	", was stopped in the inbound lane at Panji Poyon and is held for a search. The hit is released to your desk; " +
	"the results of the search follow."
