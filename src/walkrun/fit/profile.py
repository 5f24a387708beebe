"""The slice of the FIT profile walkrun reads: message and field numbers, scales and enum names.

Enum names are those of the FIT profile as fitparse 1.2.0 carries it (the test
oracle), so a decoded value reads the same as the oracle's: a name where the
profile knows the number, the raw number otherwise.
"""

from __future__ import annotations

from enum import IntEnum

# FIT date_time values below this are seconds since device power-on, not a date.
RELATIVE_TIME_LIMIT = 0x10000000
# Seconds from the Unix epoch to the FIT epoch (1989-12-31T00:00:00Z).
FIT_EPOCH_UNIX = 631065600
TIMESTAMP_FIELD = 253


class Mesg(IntEnum):
    FILE_ID = 0
    SPORT = 12
    SESSION = 18
    LAP = 19
    RECORD = 20
    ACTIVITY = 34


class Kind(IntEnum):
    NUMBER = 0  # scaled number
    TIME = 1  # date_time / local_date_time, kept as the raw count of seconds
    TEXT = 2  # NUL-terminated UTF-8
    ENUM = 3  # a name from ENUMS where the profile knows the value


# Record fields become columns (see fit_decode.RECORD_COLUMNS); these numbers feed them.
RECORD_DISTANCE = 5
RECORD_SPEED = 6
RECORD_COMPRESSED_SPEED_DISTANCE = 8
RECORD_HEART_RATE = 3
RECORD_CADENCE = 4
RECORD_FRACTIONAL_CADENCE = 53
RECORD_ENHANCED_SPEED = 73
# (number, scale) of the plain numeric record fields kept.
RECORD_NUMBERS = {
    RECORD_DISTANCE: 100.0,
    RECORD_SPEED: 1000.0,
    RECORD_HEART_RATE: 0.0,
    RECORD_CADENCE: 0.0,
    RECORD_FRACTIONAL_CADENCE: 128.0,
    RECORD_ENHANCED_SPEED: 1000.0,
}

# Summary messages: field number -> (name, kind, scale or enum table name).
SUMMARY_FIELDS: dict[int, dict[int, tuple[str, Kind, float | str]]] = {
    Mesg.FILE_ID: {
        0: ("type", Kind.ENUM, "file"),
        1: ("manufacturer", Kind.ENUM, "manufacturer"),
        2: ("product", Kind.NUMBER, 0.0),
        8: ("product_name", Kind.TEXT, 0.0),
    },
    Mesg.SPORT: {0: ("sport", Kind.ENUM, "sport"), 1: ("sub_sport", Kind.ENUM, "sub_sport")},
    Mesg.SESSION: {
        TIMESTAMP_FIELD: ("timestamp", Kind.TIME, 0.0),
        2: ("start_time", Kind.TIME, 0.0),
        5: ("sport", Kind.ENUM, "sport"),
        6: ("sub_sport", Kind.ENUM, "sub_sport"),
        7: ("total_elapsed_time", Kind.NUMBER, 1000.0),
        8: ("total_timer_time", Kind.NUMBER, 1000.0),
        9: ("total_distance", Kind.NUMBER, 100.0),
        # 192/193 joined the profile in SDK 21.141: workout_feel 0-100, workout_rpe = Borg CR10 x 10.
        192: ("workout_feel", Kind.NUMBER, 0.0),
        193: ("workout_rpe", Kind.NUMBER, 0.0),
    },
    Mesg.LAP: {
        TIMESTAMP_FIELD: ("timestamp", Kind.TIME, 0.0),
        2: ("start_time", Kind.TIME, 0.0),
        7: ("total_elapsed_time", Kind.NUMBER, 1000.0),
        8: ("total_timer_time", Kind.NUMBER, 1000.0),
        9: ("total_distance", Kind.NUMBER, 100.0),
        23: ("intensity", Kind.ENUM, "intensity"),
    },
    Mesg.ACTIVITY: {
        TIMESTAMP_FIELD: ("timestamp", Kind.TIME, 0.0),
        1: ("num_sessions", Kind.NUMBER, 0.0),
        5: ("local_timestamp", Kind.TIME, 0.0),
    },
}
# file_id.product is a garmin_product for these manufacturers (garmin, dynastream_oem, dynastream).
GARMIN_PRODUCT_MAKERS = frozenset({1, 13, 15})

_FILE = (
    "1:device 2:settings 3:sport 4:activity 5:workout 6:course 7:schedules 9:weight 10:totals 11:goals "
    "14:blood_pressure 15:monitoring_a 20:activity_summary 28:monitoring_daily 32:monitoring_b 34:segment "
    "35:segment_list 40:exd_configuration 247:mfg_range_min 254:mfg_range_max "
)
_SPORT = (
    "0:generic 1:running 2:cycling 3:transition 4:fitness_equipment 5:swimming 6:basketball 7:soccer 8:tennis "
    "9:american_football 10:training 11:walking 12:cross_country_skiing 13:alpine_skiing 14:snowboarding 15:rowing "
    "16:mountaineering 17:hiking 18:multisport 19:paddling 20:flying 21:e_biking 22:motorcycling 23:boating "
    "24:driving 25:golf 26:hang_gliding 27:horseback_riding 28:hunting 29:fishing 30:inline_skating "
    "31:rock_climbing 32:sailing 33:ice_skating 34:sky_diving 35:snowshoeing 36:snowmobiling "
    "37:stand_up_paddleboarding 38:surfing 39:wakeboarding 40:water_skiing 41:kayaking 42:rafting 43:windsurfing "
    "44:kitesurfing 45:tactical 46:jumpmaster 47:boxing 48:floor_climbing 254:all "
)
_SUB_SPORT = (
    "0:generic 1:treadmill 2:street 3:trail 4:track 5:spin 6:indoor_cycling 7:road 8:mountain 9:downhill "
    "10:recumbent 11:cyclocross 12:hand_cycling 13:track_cycling 14:indoor_rowing 15:elliptical 16:stair_climbing "
    "17:lap_swimming 18:open_water 19:flexibility_training 20:strength_training 21:warm_up 22:match 23:exercise "
    "24:challenge 25:indoor_skiing 26:cardio_training 27:indoor_walking 28:e_bike_fitness 29:bmx 30:casual_walking "
    "31:speed_walking 32:bike_to_run_transition 33:run_to_bike_transition 34:swim_to_bike_transition 35:atv "
    "36:motocross 37:backcountry 38:resort 39:rc_drone 40:wingsuit 41:whitewater 42:skate_skiing 43:yoga 44:pilates "
    "45:indoor_running 46:gravel_cycling 47:e_bike_mountain 48:commuting 49:mixed_surface 50:navigate 51:track_me "
    "52:map 53:single_gas_diving 54:multi_gas_diving 55:gauge_diving 56:apnea_diving 57:apnea_hunting "
    "58:virtual_activity 59:obstacle 254:all "
)
_INTENSITY = "0:active 1:rest 2:warmup 3:cooldown 4:recovery 5:interval 6:other "
_MANUFACTURER = (
    "1:garmin 2:garmin_fr405_antfs 3:zephyr 4:dayton 5:idt 6:srm 7:quarq 8:ibike 9:saris 10:spark_hk 11:tanita "
    "12:echowell 13:dynastream_oem 14:nautilus 15:dynastream 16:timex 17:metrigear 18:xelic 19:beurer "
    "20:cardiosport 21:a_and_d 22:hmm 23:suunto 24:thita_elektronik 25:gpulse 26:clean_mobile 27:pedal_brain "
    "28:peaksware 29:saxonar 30:lemond_fitness 31:dexcom 32:wahoo_fitness 33:octane_fitness 34:archinoetics "
    "35:the_hurt_box 36:citizen_systems 37:magellan 38:osynce 39:holux 40:concept2 42:one_giant_leap 43:ace_sensor "
    "44:brim_brothers 45:xplova 46:perception_digital 47:bf1systems 48:pioneer 49:spantec 50:metalogics 51:4iiiis "
    "52:seiko_epson 53:seiko_epson_oem 54:ifor_powell 55:maxwell_guider 56:star_trac 57:breakaway "
    "58:alatech_technology_ltd 59:mio_technology_europe 60:rotor 61:geonaute 62:id_bike 63:specialized 64:wtek "
    "65:physical_enterprises 66:north_pole_engineering 67:bkool 68:cateye 69:stages_cycling 70:sigmasport 71:tomtom "
    "72:peripedal 73:wattbike 76:moxy 77:ciclosport 78:powerbahn 79:acorn_projects_aps 80:lifebeam 81:bontrager "
    "82:wellgo 83:scosche 84:magura 85:woodway 86:elite 87:nielsen_kellerman 88:dk_city 89:tacx "
    "90:direction_technology 91:magtonic 92:1partcarbon 93:inside_ride_technologies 94:sound_of_motion 95:stryd "
    "96:icg 97:MiPulse 98:bsx_athletics 99:look 100:campagnolo_srl 101:body_bike_smart 102:praxisworks "
    "103:limits_technology 104:topaction_technology 105:cosinuss 106:fitcare 107:magene 108:giant_manufacturing_co "
    "109:tigrasport 110:salutron 111:technogym 112:bryton_sensors 113:latitude_limited 114:soaring_technology "
    "115:igpsport 116:thinkrider 117:gopher_sport 118:waterrower 119:orangetheory 120:inpeak 121:kinetic "
    "122:johnson_health_tech 123:polar_electro 124:seesense 255:development 257:healthandlife 258:lezyne "
    "259:scribe_labs 260:zwift 261:watteam 262:recon 263:favero_electronics 264:dynovelo 265:strava 266:precor "
    "267:bryton 268:sram 269:navman 270:cobi 271:spivi 272:mio_magellan 273:evesports 274:sensitivus_gauge "
    "275:podoon 276:life_time_fitness 277:falco_e_motors 278:minoura 279:cycliq 280:luxottica 281:trainer_road "
    "282:the_sufferfest 283:fullspeedahead 284:virtualtraining 285:feedbacksports 286:omata 287:vdo "
    "288:magneticdays 289:hammerhead 290:kinetic_by_kurt 291:shapelog 292:dabuziduo 293:jetblack 5759:actigraphcorp "
)
_GARMIN_PRODUCT = (
    "1:hrm1 2:axh01 3:axb01 4:axb02 5:hrm2ss 6:dsi_alf02 7:hrm3ss 8:hrm_run_single_byte_product_id 9:bsm 10:bcm "
    "11:axs01 12:hrm_tri_single_byte_product_id 14:fr225_single_byte_product_id 473:fr301_china 474:fr301_japan "
    "475:fr301_korea 494:fr301_taiwan 717:fr405 782:fr50 987:fr405_japan 988:fr60 1011:dsi_alf01 1018:fr310xt "
    "1036:edge500 1124:fr110 1169:edge800 1199:edge500_taiwan 1213:edge500_japan 1253:chirp 1274:fr110_japan "
    "1325:edge200 1328:fr910xt 1333:edge800_taiwan 1334:edge800_japan 1341:alf04 1345:fr610 1360:fr210_japan "
    "1380:vector_ss 1381:vector_cp 1386:edge800_china 1387:edge500_china 1410:fr610_japan 1422:edge500_korea "
    "1436:fr70 1446:fr310xt_4t 1461:amx 1482:fr10 1497:edge800_korea 1499:swim 1537:fr910xt_china 1551:fenix "
    "1555:edge200_taiwan 1561:edge510 1567:edge810 1570:tempe 1600:fr910xt_japan 1623:fr620 1632:fr220 "
    "1664:fr910xt_korea 1688:fr10_japan 1721:edge810_japan 1735:virb_elite 1736:edge_touring 1742:edge510_japan "
    "1743:hrm_tri 1752:hrm_run 1765:fr920xt 1821:edge510_asia 1822:edge810_china 1823:edge810_taiwan 1836:edge1000 "
    "1837:vivo_fit 1853:virb_remote 1885:vivo_ki 1903:fr15 1907:vivo_active 1918:edge510_korea 1928:fr620_japan "
    "1929:fr620_china 1930:fr220_japan 1931:fr220_china 1936:approach_s6 1956:vivo_smart 1967:fenix2 1988:epix "
    "2050:fenix3 2052:edge1000_taiwan 2053:edge1000_japan 2061:fr15_japan 2067:edge520 2070:edge1000_china "
    "2072:fr620_russia 2073:fr220_russia 2079:vector_s 2100:edge1000_korea 2130:fr920xt_taiwan 2131:fr920xt_china "
    "2132:fr920xt_japan 2134:virbx 2135:vivo_smart_apac 2140:etrex_touch 2147:edge25 2148:fr25 2150:vivo_fit2 "
    "2153:fr225 2156:fr630 2157:fr230 2160:vivo_active_apac 2161:vector_2 2162:vector_2s 2172:virbxe "
    "2173:fr620_taiwan 2174:fr220_taiwan 2175:truswing 2188:fenix3_china 2189:fenix3_twn 2192:varia_headlight "
    "2193:varia_taillight_old 2204:edge_explore_1000 2219:fr225_asia 2225:varia_radar_taillight "
    "2226:varia_radar_display 2238:edge20 2262:d2_bravo 2266:approach_s20 2276:varia_remote 2327:hrm4_run "
    "2337:vivo_active_hr 2347:vivo_smart_gps_hr 2348:vivo_smart_hr 2368:vivo_move 2398:varia_vision 2406:vivo_fit3 "
    "2413:fenix3_hr 2417:virb_ultra_30 2429:index_smart_scale 2431:fr235 2432:fenix3_chronos 2441:oregon7xx "
    "2444:rino7xx 2496:nautix 2530:edge_820 2531:edge_explore_820 2544:fenix5s 2547:d2_bravo_titanium "
    "2567:varia_ut800 2593:running_dynamics_pod 2604:fenix5x 2606:vivo_fit_jr 2691:fr935 2697:fenix5 10007:sdm4 "
    "10014:edge_remote 20119:training_center 65531:connectiq_simulator 65532:android_antplus_plugin 65534:connect "
)


def _table(text: str) -> dict[int, str]:
    pairs = (item.split(":", 1) for item in text.split())
    return {int(number): name for number, name in pairs}


ENUMS: dict[str, dict[int, str]] = {
    "file": _table(_FILE),
    "sport": _table(_SPORT),
    "sub_sport": _table(_SUB_SPORT),
    "intensity": _table(_INTENSITY),
    "manufacturer": _table(_MANUFACTURER),
    "garmin_product": _table(_GARMIN_PRODUCT),
}
